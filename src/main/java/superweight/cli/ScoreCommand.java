package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.io.AtomicOutput;
import superweight.engine.Interventions;
import superweight.engine.LogProbs;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    @Mixin
    KernelsOption kernels;

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
    public Integer call() {
        Model m = kernels.load(model);
        try {
            int[] ids = Cli.inputIds(input.tokens, input.text, input.textFile, addBos, model.path());
            Cli.checkIds(ids, m.config().vocabSize(), "--tokens");
            Cli.checkLength(ids.length, m.config().contextLength(), "input");
            double nll = score(new Transformer(m), ids);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("tokens", ids.length);
            r.put("nll", Double.isNaN(nll) ? null : nll);
            r.put("ppl", Double.isNaN(nll) ? null : Math.exp(nll));
            r.put("kernels", kernels.label());
            r.put("kv_cache", kernels.cacheLabel());
            var out = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(out, r);
            } else {
                out.printf("tokens %d  nll %.6f  ppl %.4f  kernels %s%n", ids.length, nll, Math.exp(nll), kernels.text());
                if (logitsOut != null) out.printf("logits [%d][%d] written to %s%n", ids.length, m.config().vocabSize(), logitsOut);
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }

    /**
     * One causal pass, streaming: each position's logits are scored (and appended to --logits-out) as they are
     * computed, so memory does not grow with positions x vocabulary. Returns the mean NLL of tokens 2..n.
     */
    private double score(Transformer t, int[] ids) {
        double[] sum = {0};
        if (logitsOut == null) {
            try {
                stream(t, ids, sum, OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new IllegalStateException(e); // a null stream does not fail
            }
        } else {
            AtomicOutput.write(logitsOut, o -> stream(t, ids, sum, o)); // never a half-written logits file
        }
        return ids.length < 2 ? Double.NaN : sum[0] / (ids.length - 1);
    }

    private void stream(Transformer t, int[] ids, double[] sum, OutputStream o) throws IOException {
        int vocab = t.model().config().vocabSize();
        ByteBuffer row = ByteBuffer.allocate(vocab * 4).order(ByteOrder.LITTLE_ENDIAN);
        IOException[] failed = {null};
        t.forward(t.newState(ids.length), ids, Taps.NONE, Interventions.NONE, 0, (pos, logits, off) -> {
            if (pos + 1 < ids.length) sum[0] -= LogProbs.logProb(logits, off, vocab, ids[pos + 1]);
            if (failed[0] != null) return;
            row.clear();
            row.asFloatBuffer().put(logits, off, vocab);
            try {
                o.write(row.array());
            } catch (IOException e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) throw failed[0];
    }
}
