package superweight.cli;

import superweight.SuperweightException;
import superweight.analysis.Catalog;
import superweight.analysis.Detection;
import superweight.analysis.DetectionRule;
import superweight.analysis.ModelIdentity;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.api.LanguageModel;
import superweight.hub.RepoRef;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.IntFunction;

/**
 * What the analysis commands share: the loaded model, its tokenizer (loaded only when text is involved, so
 * token-id runs work on checkpoints without one), the name to look it up in the catalog by, and where the super
 * weights to ablate come from.
 */
final class AnalysisSession implements AutoCloseable {
    final String modelSpec;
    final Path modelPath;
    final Model model;
    final LanguageModel lm;
    private final String modelIdOption;

    AnalysisSession(String modelSpec, String modelIdOption) {
        this.modelSpec = modelSpec;
        this.lm = LanguageModel.open(modelSpec);
        this.modelPath = lm.path();
        this.model = lm.model();
        this.modelIdOption = modelIdOption;
    }

    /** --model-id, else the Hugging Face id typed as --model (without @revision and :file), else config.json's _name_or_path / GGUF name / file name. */
    String catalogQuery() {
        if (modelIdOption != null && !modelIdOption.isBlank()) return modelIdOption;
        if (!Files.exists(Path.of(modelSpec)) && RepoRef.isRepoId(modelSpec)) return RepoRef.parse(modelSpec).repo();
        return ModelIdentity.infer(model);
    }

    Tokenizer tokenizer() {
        return lm.tokenizer();
    }

    /** Text as the model's reference tokenizer encodes it, with BOS when the model's configuration asks for it. */
    int[] encode(String text, String what) {
        int[] ids = lm.encode(text);
        if (ids.length == 0) throw new SuperweightException(what + ": the text encodes to no tokens");
        return ids;
    }

    int[] ids(String text, String option) {
        int[] ids = Cli.parseIds(text, option);
        Cli.checkIds(ids, model.config().vocabSize(), option);
        return ids;
    }

    /** The token text of an id for reports: the tokenizer's decoding (or piece), "#id" without a tokenizer. */
    IntFunction<String> pieces(boolean haveTokenizer) {
        if (!haveTokenizer) return i -> "#" + i;
        Tokenizer t = tokenizer();
        return i -> {
            if (i >= t.vocabSize()) return "#" + i;
            String s = t.decode(new int[]{i});
            return s.isEmpty() || s.indexOf('\uFFFD') >= 0 ? t.piece(i) : s;   // byte tokens: show the piece (<0xE2>)
        };
    }

    /** Prompts from a file: one per line, as text (tokenized) or, with {@code ids}, as token ids. Blank lines skipped. */
    List<int[]> promptsFromFile(Path file, boolean ids, String option) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        List<int[]> r = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + " line " + (i + 1);
            r.add(ids ? ids(lines.get(i), where) : encode(lines.get(i), where));
        }
        if (r.isEmpty()) throw new SuperweightException(file + ": no prompts (the file is empty)");
        return r;
    }

    /** The super weights an ablation works with, and where they came from (printed and recorded as "super_weights_source"). */
    record SuperWeightSet(List<SuperWeight> weights, String source) {
        SuperWeightSet {
            weights = List.copyOf(weights);
        }

        /** "(l, r, c) (l, r, c) from SOURCE". */
        String describe() {
            return coordinates(weights) + " from " + source;
        }
    }

    /**
     * The super weights to work with: "auto" (the catalog entry when the model has one, detection otherwise),
     * "detect" (iterative detection on the detection tokens under {@code rule}), "catalog" (the published
     * coordinates of this model) or an explicit list "L:R:C,L:R:C".
     */
    SuperWeightSet superWeights(String source, Supplier<int[]> detectionTokens, DetectionRule rule) {
        String s = source.trim();
        if (s.equals("auto")) {
            Optional<Catalog.Entry> e = Catalog.published().find(catalogQuery());
            return e.isPresent() ? fromCatalog(e.get()) : detected(detectionTokens.get(), rule, "auto: not in the catalog, ");
        }
        if (s.equals("detect")) return detected(detectionTokens.get(), rule, "");
        if (s.equals("catalog")) {
            String q = catalogQuery();
            return fromCatalog(Catalog.published().find(q).orElseThrow(() -> new SuperweightException(
                    "--super-weights catalog: no catalog entry for '" + q + "' (see 'superweight catalog'; use --model-id)")));
        }
        List<SuperWeight> r = new ArrayList<>();
        for (String part : s.split(",")) {
            String[] f = part.trim().split(":");
            try {
                if (f.length != 3) throw new NumberFormatException();
                r.add(withValue(SuperWeight.at(Integer.parseInt(f[0].trim()), Integer.parseInt(f[1].trim()), Integer.parseInt(f[2].trim()))));
            } catch (NumberFormatException e) {
                throw new SuperweightException("--super-weights '" + source + "': expected auto, detect, catalog or layer:row:col[,layer:row:col...]");
            }
        }
        return new SuperWeightSet(r, "--super-weights");
    }

    private SuperWeightSet fromCatalog(Catalog.Entry e) {
        return new SuperWeightSet(e.superWeights().stream().map(this::withValue).toList(), "catalog entry " + e.modelId() + " (" + e.status() + "; " + String.join(", ", e.sources()) + ")");
    }

    private SuperWeightSet detected(int[] tokens, DetectionRule rule, String prefix) {
        Detection d = new SuperWeightDetector(rule, SuperWeightDetector.DEFAULT_MAX_ITERATIONS).detect(model, tokens);
        return new SuperWeightSet(d.superWeights(), prefix + "detection, rule " + rule.label());
    }

    /** The coordinates checked against the model, with the weight's value filled in. */
    private SuperWeight withValue(SuperWeight s) {
        var c = model.config();
        if (s.layer() < 0 || s.layer() >= c.layers() || s.row() < 0 || s.row() >= c.hiddenSize() || s.col() < 0 || s.col() >= c.intermediateSize()) {
            throw new SuperweightException(modelSpec + ": super weight " + s.coordinates() + " lies outside the down_proj of this model ("
                    + c.layers() + " layers, [" + c.hiddenSize() + ", " + c.intermediateSize() + "])");
        }
        return new SuperWeight(s.layer(), s.row(), s.col(), model.layers().get(s.layer()).down().get(s.row(), s.col()));
    }

    /** "(l, r, c) (l, r, c)" or "none". */
    static String coordinates(List<SuperWeight> sws) {
        return sws.isEmpty() ? "none" : String.join(" ", sws.stream().map(SuperWeight::coordinates).toList());
    }

    @Override
    public void close() {
        lm.close();
    }
}
