package superweight.jobs;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.eval.EvalOptions;
import superweight.eval.Evaluation;
import superweight.eval.ModelFingerprint;
import superweight.eval.Perplexity;
import superweight.eval.PerplexityResult;
import superweight.eval.PerplexityStream;
import superweight.eval.Progress;
import superweight.eval.Results;
import superweight.model.Model;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A grid on the planted fixture through the local executor stores exactly what the commands' own evaluation stores
 * (computed independently with Evaluation.run into another store), and a second run finds every unit done.
 */
class GridRunTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");
    static final List<SuperWeight> SW = List.of(new SuperWeight(1, 27, 121, 3.0f));
    static final List<String> TASKS = List.of("arc_easy", "piqa");
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(PLANTED);
    static final Model model = LOADED.model();
    static Tokenizer tokenizer;

    @BeforeAll
    static void open() {
        tokenizer = Tokenizers.load(PLANTED);
    }

    static EvalOptions options(Path store) {
        return new EvalOptions(Fixtures.shared().resolve("data"), 3, null, store, 0, Progress.NONE);
    }

    static WeightScheme int4(String block) {
        return new WeightScheme("int4", BlockSize.parse(block), RaggedBlocks.WHOLE, ClipRule.parse("z:9"), Float.NaN, false);
    }

    @Test
    void theGridStoresWhatTheCommandsStoreAndIsNotRecomputed(@TempDir Path dir) throws Exception {
        List<Condition> conditions = List.of(new Condition.Original(), Condition.parse("prune-sw"), new Condition.Scale(2f));
        List<Derivation> ds = new java.util.ArrayList<>(Derivation.Ablated.of(conditions, SW));
        ds.add(Derivation.Quantized.of(int4("1024"), List.of()));
        Path gridStore = dir.resolve("grid.duckdb"), refStore = dir.resolve("ref.duckdb");
        Grid grid = Grid.of(PLANTED.toString(), ModelFingerprint.of(model), ds, TASKS, List.of(), EvalSettings.of(options(gridStore)), 2, 1);
        StringWriter err = new StringWriter();
        GridRun.Summary first = GridRun.run(grid, new LocalExecutor(), null, new UnitRunner.Opened(model, () -> tokenizer), gridStore,
                new PrintWriter(err, true), Duration.ZERO);
        // 4 derivations x 2 tasks x ranges [0,2) and [2,3)
        assertThat(first.units()).isEqualTo(16);
        assertThat(first.finished()).isEqualTo(16);
        assertThat(first.items()).isEqualTo(4 * 2 * 3);
        assertThat(err.toString()).contains("grid: 16 units (0 already stored) on local")
                .containsPattern("grid: [0-9]+ units done, [01] running, 0 failed; [0-9]+ items, [0-9.]+ items/s");

        // the reference: each condition as the commands evaluate it today, into its own store
        for (Condition c : conditions) {
            Ablation.Plan p = Ablation.plan(c, model, SW);
            Evaluation.run(p.model(), tokenizer, p.interventions(), c.label(), TASKS, options(refStore));
        }
        WeightQuantizer.Result q = WeightQuantizer.apply(model, int4("1024"), List.of());
        Evaluation.run(q.model(), tokenizer, superweight.engine.Interventions.NONE, int4("1024").label(), TASKS, options(refStore));
        Map<String, String> grid1 = items(gridStore);
        assertThat(grid1).hasSize(24).isEqualTo(items(refStore));

        // resubmitted: every unit is known to be done, nothing is scored or rewritten
        Map<String, String> stamps = stamps(gridStore);
        GridRun.Summary second = GridRun.run(grid, new LocalExecutor(), null, new UnitRunner.Opened(model, () -> tokenizer), gridStore,
                new PrintWriter(new StringWriter()), Duration.ZERO);
        assertThat(second.skipped()).isEqualTo(16);
        assertThat(second.items()).isZero();
        assertThat(stamps(gridStore)).isEqualTo(stamps);

        // and the commands' own pass over the grid's store finds everything: the same results as the reference
        Results fromGrid = Evaluation.run(model, tokenizer, superweight.engine.Interventions.NONE, "original", TASKS, options(gridStore));
        Results ref = Evaluation.run(model, tokenizer, superweight.engine.Interventions.NONE, "original", TASKS, options(refStore));
        assertThat(fromGrid.average("acc")).isEqualTo(ref.average("acc"));
        assertThat(stamps(gridStore)).isEqualTo(stamps);
    }

    @Test
    void aPartlyStoredUnitScoresOnlyWhatIsMissing(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("runs.duckdb");
        // today's path stores the first 2 items of piqa; the grid then asks for 3
        Evaluation.run(model, tokenizer, superweight.engine.Interventions.NONE, "original", List.of("piqa"),
                new EvalOptions(Fixtures.shared().resolve("data"), 2, null, store, 0, Progress.NONE));
        Map<String, String> before = stamps(store);
        Grid grid = Grid.of(PLANTED.toString(), ModelFingerprint.of(model), List.of(new Derivation.Unchanged("original")), List.of("piqa"),
                List.of(), EvalSettings.of(options(store)), 10, 1);
        GridRun.Summary s = GridRun.run(grid, new LocalExecutor(), null, new UnitRunner.Opened(model, () -> tokenizer), store,
                new PrintWriter(new StringWriter()), Duration.ofHours(1));
        assertThat(s.items()).isEqualTo(1);
        Map<String, String> after = stamps(store);
        before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
        assertThat(after).hasSize(3);
    }

    @Test
    void derivationsTravelAsDataAndComeBackTheSame() {
        WeightScheme s = new WeightScheme("nf4", BlockSize.parse("channel"), RaggedBlocks.LAST, ClipRule.parse("bp:1e-5"), 1.5f, true);
        Derivation.Quantized q = Derivation.Quantized.of(s, SW);
        assertThat(q.scheme()).isEqualTo(s);
        assertThat(q.key()).isEqualTo(s.key(SW));
        assertThat(q.condition()).isEqualTo(s.label());
        // a scheme that does not restore carries no super weights (its key names none)
        assertThat(Derivation.Quantized.of(int4("4096"), SW).restored()).isEmpty();
        List<Condition> all = Condition.parseAll(List.of("original,prune-sw,prune-sw-restore-sa,prune-non-sw,prune-non-sw:7000,"
                + "prune-non-sw-per-tensor:2e-6:1-3,prune-non-sw-all-weights,scale:0.5,scale:3"));
        assertThat(Derivation.Ablated.of(all, SW)).extracting(Derivation::condition).containsExactlyElementsOf(all.stream().map(Condition::label).toList());
    }

    @Test
    void perplexityWindowsInUnitsCombineToTheSinglePassFigureBitForBit(@TempDir Path dir) throws Exception {
        var po = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 5, Fixtures.shared().resolve("data"), null, null, null);
        PerplexityStream wikitext = Evaluation.perplexityStream(model, tokenizer, "wikitext2", po);
        assertThat(wikitext.windows()).isEqualTo(5);
        List<Derivation> ds = new java.util.ArrayList<>(Derivation.Ablated.of(List.of(new Condition.Original(), Condition.parse("prune-sw")), SW));
        ds.add(Derivation.Quantized.of(int4("1024"), List.of()));
        Path store = dir.resolve("grid.duckdb");
        // windows [0,2) [2,4) [4,5) of each derivation, each range a unit
        Grid grid = Grid.of(PLANTED.toString(), ModelFingerprint.of(model), ds, List.of(), List.of(PerplexitySet.of(wikitext)),
                EvalSettings.of(options(store)), 250, 2);
        GridRun.Summary first = GridRun.run(grid, new LocalExecutor(), null, new UnitRunner.Opened(model, () -> tokenizer), store,
                new PrintWriter(new StringWriter()), Duration.ZERO);
        assertThat(first.units()).isEqualTo(3 * 3);
        assertThat(first.items()).isEqualTo(3 * 5);
        Map<String, String> stamps = windowStamps(store);
        assertThat(stamps).hasSize(15);

        for (Derivation d : ds) {
            Derivation.Derived derived = d.derive(model);
            // the reference: the whole stream in one pass, nothing stored
            PerplexityResult single = wikitext.compute(new superweight.engine.Transformer(derived.model()), derived.interventions(),
                    Perplexity.WindowLog.NONE, null);
            PerplexityResult combined = Evaluation.perplexity(derived.model(), derived.interventions(), wikitext, d.condition(), store, null, Progress.NONE);
            assertThat(combined.ppl()).as(d.condition()).isEqualTo(single.ppl());
            assertThat(combined.perWindow()).isEqualTo(single.perWindow());
        }
        // the command's pass found every window: nothing was computed again, and a resubmission runs no unit
        assertThat(windowStamps(store)).isEqualTo(stamps);
        GridRun.Summary second = GridRun.run(grid, new LocalExecutor(), null, new UnitRunner.Opened(model, () -> tokenizer), store,
                new PrintWriter(new StringWriter()), Duration.ZERO);
        assertThat(second.skipped()).isEqualTo(9);
        assertThat(windowStamps(store)).isEqualTo(stamps);
    }

    @Test
    void aSliceOfAStreamKeepsItsWindowsAndItsKey() {
        int[] ids = java.util.stream.IntStream.range(0, 50).map(i -> 3 + i).toArray();
        PerplexityStream s = PerplexityStream.of("tokens", Perplexity.Style.GPTQ, 8, -1, ids, 0, "", null);
        assertThat(s.windows()).isEqualTo(6);            // 50 / 8, the tail of 2 dropped
        PerplexityStream part = s.slice(2, 5);
        assertThat(part.first()).isEqualTo(2);
        assertThat(part.tokens()).containsExactly(java.util.Arrays.copyOfRange(ids, 16, 40));
        assertThat(part.key(model, "original", superweight.engine.Interventions.NONE))
                .isEqualTo(s.key(model, "original", superweight.engine.Interventions.NONE));
        assertThat(PerplexitySet.of(part).stream()).usingRecursiveComparison().isEqualTo(part);
    }

    @Test
    void unknownOrMissingExecutorsAreOneLineErrors() {
        assertThatThrownBy(() -> Executor.named("spark")).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("superweight-spark").hasMessageContaining("docs/distributed.md");
        assertThatThrownBy(() -> Executor.named("ray")).hasMessageContaining("--executor ray: unknown executor");
        assertThat(Executor.named("local")).isInstanceOf(LocalExecutor.class);
    }

    /** (model, condition, task, item) -> scores. */
    static Map<String, String> items(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || task || '|' || settings || '#' || item, scores FROM eval_items");
    }

    static Map<String, String> windowStamps(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || dataset || '|' || settings || '#' || window_index, "
                + "CAST(finished AS VARCHAR) FROM ppl_windows");
    }

    static Map<String, String> stamps(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || task || '#' || item, CAST(finished AS VARCHAR) FROM eval_items");
    }

    private static Map<String, String> query(Path store, String sql) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (var c = DriverManager.getConnection("jdbc:duckdb:" + store.toAbsolutePath()); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }
}
