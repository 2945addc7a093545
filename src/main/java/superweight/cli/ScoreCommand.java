package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.engine.LogProbs;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Run one causal pass over token ids (or text); report the mean NLL of tokens 2..n and optionally write all logits.")
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--tokens", paramLabel = "IDS", description = "Token ids, comma or space separated.")
        String tokens;

        @Option(names = "--text", paramLabel = "TEXT", description = "Text, tokenized with the model's tokenizer.")
        String text;

        @Option(names = "--text-file", paramLabel = "FILE", description = "UTF-8 text file, tokenized with the model's tokenizer.")
        Path textFile;
    }

    @Option(names = "--add-bos", negatable = true, description = "Prepend BOS to --text (default: the tokenizer's add_bos_token setting).")
    Boolean addBos;

    @Option(names = "--logits-out", paramLabel = "FILE",
            description = "Write float32 little-endian logits, row-major [position][vocab].")
    Path logitsOut;

    @Option(names = "--json", description = "Print {\"tokens\", \"nll\", \"ppl\"}.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Model m = model.load();
        try {
            int[] ids = Cli.inputIds(input.tokens, input.text, input.textFile, addBos, model.path());
            Cli.checkIds(ids, m.config().vocabSize(), "--tokens");
            float[] logits = new Transformer(m).logits(ids);
            if (logitsOut != null) write(logitsOut, logits);
            double nll = LogProbs.meanNll(logits, ids, m.config().vocabSize());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("tokens", ids.length);
            r.put("nll", Double.isNaN(nll) ? null : nll);
            r.put("ppl", Double.isNaN(nll) ? null : Math.exp(nll));
            var out = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(out, r);
            } else {
                out.printf("tokens %d  nll %.6f  ppl %.4f%n", ids.length, nll, Math.exp(nll));
                if (logitsOut != null) out.printf("logits [%d][%d] written to %s%n", ids.length, m.config().vocabSize(), logitsOut);
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }

    private static void write(Path file, float[] logits) {
        ByteBuffer b = ByteBuffer.allocate(logits.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(logits);
        try (OutputStream o = Files.newOutputStream(file)) {
            o.write(b.array());
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot write logits (" + e.getMessage() + ")", e);
        }
    }
}
