package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Evaluation#run} and {@link Evaluation#taskRun}: their refusals, the lm-eval config block, the unit's items. */
class EvaluationRunTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("llama").resolve("model.safetensors"));
    static final Model model = LOADED.model();

    /** The byte tokenizer with another BOS id: -1 (the vocabulary has none) or 0 (a valid id like any other). */
    static Tokenizer withBosId(int bosId) {
        ByteTestTokenizer bytes = new ByteTestTokenizer(false);
        return new Tokenizer() {
            public int[] encode(String text, boolean addBos, boolean parseSpecial) {
                int[] ids = bytes.encode(text, false, parseSpecial);
                if (!addBos) return ids;
                int[] out = new int[ids.length + 1];
                out[0] = bosId;
                System.arraycopy(ids, 0, out, 1, ids.length);
                return out;
            }

            public String decode(int[] ids) {
                return bytes.decode(ids);
            }

            public int vocabSize() {
                return bytes.vocabSize();
            }

            public int bosId() {
                return bosId;
            }

            public int eosId() {
                return bytes.eosId();
            }

            public boolean addBosByDefault() {
                return false;
            }

            public String piece(int id) {
                return bytes.piece(id);
            }
        };
    }

    /** Two lambada documents in a data directory of their own, so "all documents" is a small run. */
    static Path twoLambadaDocs(Path dir) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("lambada_openai"));
        Files.writeString(data.resolve("lambada_openai/lambada_test.jsonl"), "{\"text\": \"a b\"}\n{\"text\": \"c d\"}\n");
        return data;
    }

    static Results run(Tokenizer tok, String condition, List<String> tasks, EvalOptions o) {
        return Evaluation.run(model, tok, Interventions.NONE, condition, tasks, o, new ResumeTest.RecordingScorer(-1));
    }

    @Test
    void anEmptyConditionOrTaskListIsAOneLineRefusal() {
        EvalOptions o = new EvalOptions(null, 2, null, null, 1, Progress.NONE);
        Tokenizer tok = new ByteTestTokenizer(true);
        // null must be refused as such, not fail later with a NullPointerException
        assertThatThrownBy(() -> run(tok, null, List.of("piqa"), o)).isInstanceOf(SuperweightException.class)
                .hasMessage("the condition label of an evaluation run must not be empty");
        assertThatThrownBy(() -> run(tok, " ", List.of("piqa"), o)).isInstanceOf(SuperweightException.class)
                .hasMessage("the condition label of an evaluation run must not be empty");
        assertThatThrownBy(() -> run(tok, "base", List.of(), o)).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith("no tasks given (known: ").hasMessageContaining("piqa").hasMessageContaining("lambada_openai");
    }

    @Test
    void addBosIsRefusedOnlyWhenTheVocabularyHasNoBos(@TempDir Path dir) throws Exception {
        EvalOptions asked = new EvalOptions(twoLambadaDocs(dir), 0, true, null, 1, Progress.NONE);
        assertThatThrownBy(() -> run(withBosId(-1), "base", List.of("lambada_openai"), asked)).isInstanceOf(SuperweightException.class)
                .hasMessage(model.id() + ": --add-bos given but the vocabulary has no BOS token");
        // id 0 is a BOS token like any other (a `<= 0` check would refuse it)
        assertThat(run(withBosId(0), "base", List.of("lambada_openai"), asked).toJson().get("config").get("add_bos_token").asBoolean()).isTrue();
        // without --add-bos (lm-eval 0.4.3 adds none for llama) a vocabulary without BOS is fine
        EvalOptions byDefault = new EvalOptions(asked.dataDir(), 0, null, null, 1, Progress.NONE);
        assertThat(run(withBosId(-1), "base", List.of("lambada_openai"), byDefault).toJson().get("config").get("add_bos_token").asBoolean()).isFalse();
    }

    @Test
    void theConfigBlockHasLmEvalsLimitNullForAllDocumentsAndTheMaxLength(@TempDir Path dir) throws Exception {
        Path data = twoLambadaDocs(dir);
        Results allDocs = run(new ByteTestTokenizer(true), "base", List.of("lambada_openai"),
                new EvalOptions(data, 0, null, null, 1, Progress.NONE));
        // lm-eval writes "limit": null when every document was used
        assertThat(allDocs.config()).containsEntry("limit", null);
        JsonNode all = allDocs.toJson();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(all.get("config"))).contains("\"limit\":null");
        assertThat(all.get("n-samples").get("lambada_openai").get("effective").asInt()).isEqualTo(2);
        // the llama fixture declares max_position_embeddings 256 (its config.json)
        assertThat(all.get("config").get("max_length").asInt()).isEqualTo(256);
        JsonNode one = run(new ByteTestTokenizer(true), "base", List.of("lambada_openai"),
                new EvalOptions(data, 1, null, null, 1, Progress.NONE).withMaxLength(64)).toJson();
        assertThat(one.get("config").get("limit").asInt()).isEqualTo(1);
        assertThat(one.get("config").get("max_length").asInt()).isEqualTo(64);
        assertThat(one.get("config").get("data_dir").asText()).isEqualTo(data.toString());
    }

    @Test
    void aTaskRunHasTheFirstLimitItemsInOrderAndTheRunsRefusals(@TempDir Path dir) throws Exception {
        Path data = twoLambadaDocs(dir);
        List<JsonNode> docs = Tasks.documents(Tasks.get("lambada_openai"), DataDirs.of(data));
        Tokenizer tok = new ByteTestTokenizer(true);
        EvalOptions o = new EvalOptions(data, 0, null, null, 1, Progress.NONE);
        Evaluation.TaskRun all = Evaluation.taskRun(model, tok, Interventions.NONE, "base", "lambada_openai", docs, o);
        assertThat(all.items()).extracting(TaskItem::index).containsExactly(0, 1);
        // lambada's request: context = the text up to its last word, continuation = " " + the last word
        assertThat(all.items().get(1).requests().getFirst().continuation()).isEqualTo(" d");
        assertThat(Evaluation.taskRun(model, tok, Interventions.NONE, "base", "lambada_openai", docs, o.withLimit(1)).items())
                .extracting(TaskItem::index).containsExactly(0);
        // a limit beyond the documents is all of them
        assertThat(Evaluation.taskRun(model, tok, Interventions.NONE, "base", "lambada_openai", docs, o.withLimit(5)).items()).hasSize(2);
        assertThat(all.key()).isNotNull().isNotEqualTo(
                Evaluation.taskRun(model, tok, Interventions.NONE, "other", "lambada_openai", docs, o).key());
        assertThatThrownBy(() -> Evaluation.taskRun(model, tok, Interventions.NONE, null, "lambada_openai", docs, o))
                .isInstanceOf(SuperweightException.class).hasMessage("the condition label of an evaluation run must not be empty");
        assertThatThrownBy(() -> Evaluation.taskRun(model, tok, Interventions.NONE, "", "lambada_openai", docs, o))
                .isInstanceOf(SuperweightException.class).hasMessage("the condition label of an evaluation run must not be empty");
        EvalOptions bos = new EvalOptions(data, 0, true, null, 1, Progress.NONE);
        assertThatThrownBy(() -> Evaluation.taskRun(model, withBosId(-1), Interventions.NONE, "base", "lambada_openai", docs, bos))
                .isInstanceOf(SuperweightException.class).hasMessage(model.id() + ": --add-bos given but the vocabulary has no BOS token");
        assertThat(Evaluation.taskRun(model, withBosId(0), Interventions.NONE, "base", "lambada_openai", docs, bos).items()).hasSize(2);
    }

    @Test
    void aStoredPerplexityRunStepsPerWindowAndASecondRunComputesNothing(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("t.txt"), "the quick brown fox jumps over the lazy dog. ".repeat(20));
        AtomicInteger passes = new AtomicInteger(), steps = new AtomicInteger();
        // the same hook both times (same store key): it counts layer-0 query inputs, i.e. forward passes
        Interventions counted = Interventions.NONE.withLinearInputHook(LinearInputHook.of("count-passes", (layer, linear, x, n, cols) -> {
            if (layer == 0 && linear == superweight.model.arch.Linear.Q) passes.incrementAndGet();
        }));
        Progress counting = (name, unit, total, done) -> new Progress.Bar() {
            public void step() {
                steps.incrementAndGet();
            }

            public void close() {
            }
        };
        var o = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, null, dir.resolve("runs.duckdb"), "original", counting);
        Tokenizer tok = new ByteTestTokenizer(true);
        double first = Evaluation.perplexity(model, tok, counted, text.toString(), o).ppl();
        assertThat(steps.get()).isEqualTo(3);
        assertThat(passes.get()).isPositive();
        passes.set(0);
        double again = Evaluation.perplexity(model, tok, counted, text.toString(), o).ppl();
        assertThat(passes.get()).isZero();
        assertThat(again).isEqualTo(first);
        assertThat(steps.get()).isEqualTo(6);
    }
}
