package superweight.cli;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Sentence embeddings from a BERT-family encoder, as sentence-transformers computes them:",
                "[CLS] text [SEP] (truncated to the model's positions), pooled as the model declares (1_Pooling/config.json) "
                        + "or as --pooling says, L2-normalised."})
final class EmbedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "A text to embed (repeat for several).")
        List<String> texts;

        @Option(names = "--file", paramLabel = "FILE", description = "UTF-8 file with one text per line (blank lines are skipped).")
        Path file;
    }

    @Option(names = "--pooling", paramLabel = "mean|cls",
            description = "mean or cls (default: the model's 1_Pooling/config.json, else mean).")
    String pooling;

    @Option(names = "--prefix", paramLabel = "TEXT", defaultValue = "",
            description = "Put before every text, e.g. \"query: \" or \"passage: \" for E5 models.")
    String prefix;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "Texts per forward pass (default 16; results do not depend on it).")
    int batch;

    @Option(names = "--json", description = "Print {\"embeddings\": [[...], ...]} in input order.")
    boolean json;

    @Override
    public Integer call() {
        if (batch < 1) throw new SuperweightException("--batch: must be at least 1");
        List<String> texts = input.texts != null ? input.texts : lines(input.file);
        if (texts.isEmpty()) throw new SuperweightException(input.file + ": no texts (every line is blank)");
        Model m = model.load();
        try {
            if (!m.isEncoder()) throw new SuperweightException(model.path() + ": embed needs an encoder (bert), not " + m.config().architecture());
            Pooling p = pooling(model.path());
            Tokenizer tok = Tokenizers.load(model.path());
            List<int[]> ids = new ArrayList<>();
            for (String t : texts) ids.add(Embedder.truncate(tok.encode(prefix + t, true, false), m.config().contextLength()));
            List<float[]> vectors = new Embedder(m, p).embed(ids, batch, Interventions.NONE);
            var out = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(out, Map.of("embeddings", vectors));
            } else {
                for (int i = 0; i < vectors.size(); i++) {
                    float[] v = vectors.get(i);
                    out.printf("%d  tokens %d  dim %d  [%.5f, %.5f, %.5f, %.5f, ...]%n", i, ids.get(i).length, v.length, v[0], v[1], v[2], v[3]);
                }
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }

    private Pooling pooling(Path modelPath) {
        if (pooling != null) {
            return switch (pooling) {
                case "mean" -> Pooling.MEAN;
                case "cls" -> Pooling.CLS;
                default -> throw new SuperweightException("--pooling: '" + pooling + "' is not mean or cls");
            };
        }
        // the sentence-transformers folder: the model directory, or the one holding onnx/model.onnx
        Path dir = Files.isDirectory(modelPath) ? modelPath : modelPath.toAbsolutePath().getParent();
        Pooling declared = Pooling.declared(dir);
        if (declared == null && dir.getParent() != null && !Files.isDirectory(modelPath)) declared = Pooling.declared(dir.getParent());
        return declared != null ? declared : Pooling.MEAN;
    }

    private static List<String> lines(Path file) {
        return Cli.readText(file).lines().filter(l -> !l.isBlank()).toList();
    }
}
