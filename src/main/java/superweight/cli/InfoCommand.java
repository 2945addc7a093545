package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.Tensor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a checkpoint's architecture, sizes, parameter count and tensor types.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--check", description = "Decode every weight and report NaN or infinite values (exit code 1 if any).")
    boolean check;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Model m = model.load();
        try {
            List<String> unused = ModelLoader.unusedTensors(m);
            ModelConfig c = m.config();
            Map<String, Integer> dtypes = new TreeMap<>();
            for (String t : m.checkpoint().tensorNames()) dtypes.merge(m.checkpoint().tensor(t).dtype(), 1, Integer::sum);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", m.checkpoint().path().toString());
            r.put("format", m.checkpoint().format().name().toLowerCase());
            r.put("architecture", c.architecture());
            r.put("layers", c.layers());
            r.put("hidden_size", c.hiddenSize());
            r.put("intermediate_size", c.intermediateSize());
            r.put("heads", c.heads());
            r.put("kv_heads", c.kvHeads());
            r.put("head_dim", c.headDim());
            r.put("vocab_size", c.vocabSize());
            r.put("context_length", c.contextLength());
            r.put("parameters", m.parameterCount());
            r.put("tied_embeddings", c.tiedEmbeddings());
            r.put("rope_theta", c.ropeTheta());
            r.put("norm", c.norm().name().toLowerCase());
            r.put("activation", c.activation().name().toLowerCase());
            r.put("tensor_dtypes", dtypes);
            r.put("bytes", m.checkpoint().dataBytes());
            r.put("unused_tensors", unused);
            List<Map<String, Object>> bad = check ? nonFinite(m) : List.of();
            if (check) r.put("non_finite_weights", bad);
            if (json) {
                Cli.printJson(out, r);
            } else {
                r.forEach((k, v) -> out.printf("%-18s %s%n", k, v));
                out.flush();
            }
            if (!bad.isEmpty()) {
                throw new SuperweightException(m.checkpoint().path() + ": " + bad.size() + " tensors hold NaN or infinite weights (first: "
                        + bad.getFirst().get("tensor") + " row " + bad.getFirst().get("row") + " column " + bad.getFirst().get("column") + ")");
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }

    /** Every tensor of the checkpoint decoded row by row: the count of NaN and infinite values and the first one. */
    private static List<Map<String, Object>> nonFinite(Model m) {
        List<Map<String, Object>> bad = new ArrayList<>();
        for (String name : m.checkpoint().tensorNames()) {
            Tensor t = m.checkpoint().tensor(name);
            float[] row = new float[t.cols()];
            long nan = 0, inf = 0, firstRow = -1;
            int firstCol = -1;
            for (long r = 0; r < t.rows(); r++) {
                t.readRow(r, row, 0);
                for (int c = 0; c < row.length; c++) {
                    if (Float.isFinite(row[c])) continue;
                    if (Float.isNaN(row[c])) nan++;
                    else inf++;
                    if (firstRow < 0) {
                        firstRow = r;
                        firstCol = c;
                    }
                }
            }
            if (firstRow < 0) continue;
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("tensor", name);
            e.put("nan", nan);
            e.put("inf", inf);
            e.put("row", firstRow);
            e.put("column", firstCol);
            bad.add(e);
        }
        return bad;
    }
}
