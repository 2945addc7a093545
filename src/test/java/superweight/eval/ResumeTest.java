package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Interrupted runs resume from the run store: same numbers as an uninterrupted run, no item scored twice. */
class ResumeTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("llama").resolve("model.safetensors"));
    static final Model model = LOADED.model();

    /** A fake scorer whose scores depend only on (task, item, choice); records every item it scores. */
    static final class RecordingScorer implements ItemScorer {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final int failAfter;

        RecordingScorer(int failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public List<ChoiceScore> score(TaskItem item) {
            if (calls.size() == failAfter) throw new IllegalStateException("simulated interruption");
            calls.add(item.task() + "#" + item.index());
            List<ChoiceScore> out = new ArrayList<>();
            for (int c = 0; c < item.requests().size(); c++) {
                double ll = -((item.index() * 7 + c * 3) % 5) - 0.25 * c;
                out.add(new ChoiceScore(ll, (item.index() + c) % 2 == 0, 1 + c));
            }
            return out;
        }
    }

    EvalOptions options(Path store) {
        return new EvalOptions(null, 10, null, store, 1, Progress.NONE);
    }

    @Test
    void anInterruptedRunResumesWithoutRecomputingAndReportsTheSameNumbers(@TempDir Path dir) {
        List<String> tasks = List.of("piqa", "lambada_openai");
        Results reference = Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", tasks,
                options(dir.resolve("fresh.duckdb")), new RecordingScorer(-1));

        Path store = dir.resolve("interrupted.duckdb");
        RecordingScorer first = new RecordingScorer(13); // piqa's 10 items, then 3 of lambada's, then it "dies"
        assertThatThrownBy(() -> Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", tasks, options(store), first))
                .hasMessageContaining("simulated interruption");
        assertThat(first.calls).hasSize(13);

        RecordingScorer second = new RecordingScorer(-1);
        Results resumed = Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", tasks, options(store), second);
        assertThat(second.calls).hasSize(7).doesNotContainAnyElementsOf(first.calls);
        List<String> all = new ArrayList<>(first.calls);
        all.addAll(second.calls);
        assertThat(all).doesNotHaveDuplicates().hasSize(20);
        assertThat(resumed.toJson().get("results")).isEqualTo(reference.toJson().get("results"));

        RecordingScorer third = new RecordingScorer(-1);
        Results again = Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", tasks, options(store), third);
        assertThat(third.calls).isEmpty();
        assertThat(again.toJson().get("results")).isEqualTo(reference.toJson().get("results"));
    }

    @Test
    void changedPromptsAreRescoredNotReused(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("runs.duckdb");
        Path data = dir.resolve("data");
        java.nio.file.Files.createDirectories(data.resolve("lambada_openai"));
        java.nio.file.Files.writeString(data.resolve("lambada_openai/lambada_test.jsonl"), "{\"text\": \"a b\"}\n{\"text\": \"c d\"}\n");
        EvalOptions o = new EvalOptions(data, 0, null, store, 1, Progress.NONE);
        Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", List.of("lambada_openai"), o, new RecordingScorer(-1));
        java.nio.file.Files.writeString(data.resolve("lambada_openai/lambada_test.jsonl"), "{\"text\": \"a b\"}\n{\"text\": \"c e\"}\n");
        RecordingScorer again = new RecordingScorer(-1);
        Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", List.of("lambada_openai"), o, again);
        assertThat(again.calls).containsExactly("lambada_openai#1");
    }

    @Test
    void conditionsAndSettingsAreKeptApart(@TempDir Path dir) {
        Path store = dir.resolve("runs.duckdb");
        Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", List.of("piqa"), options(store), new RecordingScorer(-1));
        RecordingScorer other = new RecordingScorer(-1);
        Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "ablated", List.of("piqa"), options(store), other);
        assertThat(other.calls).hasSize(10);
        RecordingScorer bos = new RecordingScorer(-1);
        Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", List.of("piqa"),
                new EvalOptions(null, 10, true, store, 1, Progress.NONE), bos);
        assertThat(bos.calls).hasSize(10);
    }

    @Test
    void realModelRunHasLmEvalResultsShapeAndConcurrencyDoesNotChangeNumbers(@TempDir Path dir) {
        List<String> tasks = List.of("piqa", "winogrande", "lambada_openai");
        Results one = Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", tasks,
                new EvalOptions(null, 4, null, null, 1, Progress.NONE));
        Results two = Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "base", tasks,
                new EvalOptions(null, 4, null, dir.resolve("s.duckdb"), 2, Progress.NONE));
        JsonNode json = one.toJson();
        // equal up to float rounding: the engine's vector kernels may round differently once JIT-compiled
        for (TaskResult t : one.tasks()) {
            t.metrics().forEach((k, v) -> assertThat(two.task(t.task()).metrics().get(k)).as(t.task() + " " + k)
                    .isCloseTo(v, org.assertj.core.api.Assertions.withinPercentage(1e-4)));
        }
        JsonNode piqa = json.get("results").get("piqa");
        assertThat(piqa.get("alias").asText()).isEqualTo("piqa");
        for (String k : List.of("acc,none", "acc_stderr,none", "acc_norm,none", "acc_norm_stderr,none")) assertThat(piqa.has(k)).as(k).isTrue();
        JsonNode lambada = json.get("results").get("lambada_openai");
        // lm-eval's lambada metrics: perplexity = exp(-mean target log-likelihood), acc = share of greedy targets;
        // each item's log-likelihood here from its own full pass (LoglikelihoodScorerTest.reference).
        TaskSpec spec = Tasks.get("lambada_openai");
        List<com.fasterxml.jackson.databind.JsonNode> docs = Tasks.documents(spec, DataDirs.of(null));
        superweight.engine.Transformer t = new superweight.engine.Transformer(model);
        RequestEncoder enc = new RequestEncoder(new ByteTestTokenizer(true), false, model.config().contextLength());
        double sum = 0;
        int greedy = 0;
        for (int i = 0; i < 4; i++) {
            Request r = spec.item(i, docs.get(i)).requests().getFirst();
            double[] ref = LoglikelihoodScorerTest.reference(t, enc.encode(r.context(), r.continuation()), Interventions.NONE);
            sum += ref[0];
            greedy += (int) ref[1];
        }
        double perplexity = Math.exp(-sum / 4);
        assertThat(lambada.get("perplexity,none").asDouble()).isCloseTo(perplexity, org.assertj.core.api.Assertions.withinPercentage(1e-3));
        assertThat(lambada.get("acc,none").asDouble()).isEqualTo(greedy / 4.0);
        assertThat(json.get("results").get("winogrande").has("acc_norm,none")).isFalse();
        assertThat(json.get("n-samples").get("piqa").get("effective").asInt()).isEqualTo(4);
        assertThat(json.get("n-samples").get("piqa").get("original").asInt()).isEqualTo(1838);
        assertThat(json.get("config").get("add_bos_token").asBoolean()).isFalse();
        double meanAcc = (piqa.get("acc,none").asDouble() + json.get("results").get("winogrande").get("acc,none").asDouble()
                + lambada.get("acc,none").asDouble()) / 3;
        assertThat(json.get("average").get("acc,none").asDouble()).isEqualTo(meanAcc);
    }

    @Test
    void fingerprintIsContentBasedAndStable() {
        String a = ModelFingerprint.of(model);
        assertThat(a).hasSize(64).isEqualTo(ModelFingerprint.of(model));
        // a copy of the model whose layer-0 down projection differs (as a quantized copy would) in a sampled row
        var edited = superweight.engine.Interventions.of(List.of(superweight.engine.WeightEdit.scale(0, superweight.model.arch.Linear.DOWN, 0, 0, 0.5f)));
        assertThat(ModelFingerprint.of(edited.applyTo(model))).isNotEqualTo(a);
        Model bf16 = ModelLoader.load(Fixtures.arch("llama").resolve("model-bf16"));
        try {
            assertThat(ModelFingerprint.of(bf16)).isNotEqualTo(a);
        } finally {
            bf16.checkpoint().close();
        }
    }

    @Test
    void bosDefaultFollowsLmEvalHflmOfEitherVersion() {
        var old = BosConvention.LM_EVAL_0_4_3;
        var current = BosConvention.LM_EVAL_0_4_10;
        // 0.4.3: add_bos_token=False whatever the tokenizer does, except Gemma
        assertThat(old.defaultAddBos(model.config(), new ByteTestTokenizer(true))).isFalse();
        // 0.4.10: the tokenizer's own default (add_special_tokens unset)
        assertThat(current.defaultAddBos(model.config(), new ByteTestTokenizer(true))).isTrue();
        assertThat(current.defaultAddBos(model.config(), new ByteTestTokenizer(false))).isFalse();
        Model gemma = ModelLoader.load(Fixtures.arch("gemma").resolve("model.safetensors"));
        try {
            assertThat(old.defaultAddBos(gemma.config(), new ByteTestTokenizer(false))).isTrue();
            assertThat(current.defaultAddBos(gemma.config(), new ByteTestTokenizer(false))).isFalse();
        } finally {
            gemma.checkpoint().close();
        }
        assertThat(BosConvention.parse("0.4.10")).isEqualTo(current);
        assertThatThrownBy(() -> BosConvention.parse("0.5")).hasMessage("--lm-eval-bos 0.5: expected 0.4.3 or 0.4.10");
    }

    @Test
    void theBosConventionIsPartOfTheStoreKey(@TempDir Path dir) {
        Path store = dir.resolve("runs.duckdb");
        Evaluation.run(model, new ByteTestTokenizer(false), Interventions.NONE, "base", List.of("piqa"), options(store), new RecordingScorer(-1));
        RecordingScorer again = new RecordingScorer(-1);
        Evaluation.run(model, new ByteTestTokenizer(false), Interventions.NONE, "base", List.of("piqa"), options(store), again);
        assertThat(again.calls).isEmpty();
        // same add_bos (the tokenizer adds none), other convention: rescored, never mixed in
        RecordingScorer other = new RecordingScorer(-1);
        Results r = Evaluation.run(model, new ByteTestTokenizer(false), Interventions.NONE, "base", List.of("piqa"),
                options(store).withBos(BosConvention.LM_EVAL_0_4_10), other);
        assertThat(other.calls).hasSize(10);
        assertThat(r.toJson().get("config").get("bos_convention").asText()).isEqualTo("lm-eval 0.4.10");
    }

    @Test
    void limitZeroIsNotAllowedInOptions() {
        assertThatThrownBy(() -> new EvalOptions(null, -1, null, null, 1, null)).hasMessageContaining("--limit -1");
    }
}
