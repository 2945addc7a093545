package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prompts, choices and gold answers of the first documents, written out by hand from the data files and lm-eval's YAMLs. */
class TasksTest {
    static TaskItem first(String task) {
        TaskSpec spec = Tasks.get(task);
        return spec.item(0, Tasks.documents(spec, DataDirs.of(null)).getFirst());
    }

    @Test
    void piqa() {
        TaskItem it = first("piqa");
        assertThat(it.requests().getFirst().context()).isEqualTo("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:");
        assertThat(it.requests().get(0).continuation()).startsWith(" Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper");
        assertThat(it.requests().get(1).continuation()).startsWith(" Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans");
        assertThat(it.gold()).isZero();
        assertThat(Tasks.documents(Tasks.get("piqa"), DataDirs.of(null))).hasSize(1838);
    }

    @Test
    void arcEasy() {
        TaskItem it = first("arc_easy");
        assertThat(it.requests().getFirst().context())
                .isEqualTo("Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:");
        assertThat(it.choices()).containsExactly("Sunlight is the source of energy for nearly all ecosystems.",
                "Most ecosystems are found on land instead of in water.", "Carbon dioxide is more available than other gases.",
                "The producers in all ecosystems are plants.");
        assertThat(it.requests().get(3).continuation()).isEqualTo(" The producers in all ecosystems are plants.");
        assertThat(it.gold()).isZero();
        assertThat(Tasks.documents(Tasks.get("arc_challenge"), DataDirs.of(null))).hasSize(1172);
    }

    @Test
    void sciqPutsTheCorrectAnswerLast() {
        TaskItem it = first("sciq");
        assertThat(it.requests().getFirst().context()).startsWith("Oxidants and Reductants Compounds that are capable of accepting electrons")
                .endsWith("\nQuestion: Compounds that are capable of accepting electrons, such as o 2 or f2, are called what?\nAnswer:");
        assertThat(it.choices()).containsExactly("antioxidants", "Oxygen", "residues", "oxidants");
        assertThat(it.gold()).isEqualTo(3);
    }

    @Test
    void winograndeScoresTheRestOfTheSentenceAfterEachFilledInOption() {
        TaskItem it = first("winogrande");
        assertThat(it.requests()).extracting(Request::context)
                .containsExactly("Sarah was a much better surgeon than Maria so Sarah", "Sarah was a much better surgeon than Maria so Maria");
        assertThat(it.requests()).extracting(Request::continuation).containsOnly(" always got the easier cases.");
        assertThat(it.gold()).isEqualTo(1);
    }

    @Test
    void lambadaTargetIsTheLastSpaceSeparatedWord() {
        TaskItem it = first("lambada_openai");
        Request r = it.requests().getFirst();
        assertThat(r.continuation()).isEqualTo(" signs");
        assertThat(r.context()).startsWith("In my palm is a clear stone").doesNotEndWith(" ");
        assertThat(it.gold()).isEqualTo(-1);
    }

    @Test
    void hellaswagFromTheLlamaCppTextFile() {
        TaskItem it = first("hellaswag");
        assertThat(it.requests().getFirst().context()).isEqualTo("Roof shingle removal: A man is sitting on a roof. he");
        assertThat(it.choices()).containsExactly("is using wrap to wrap a pair of skis.", "is ripping level tiles off.",
                "is holding a rubik's cube.", "starts pulling up roofing on a roof.");
        assertThat(it.gold()).isEqualTo(3);
        assertThat(Tasks.documents(Tasks.get("hellaswag"), DataDirs.of(null))).hasSize(10042);
    }

    @Test
    void hellaswagUpstreamJsonlIsPreferredAndPreprocessedAsLmEval(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("hellaswag"));
        Files.writeString(dir.resolve("hellaswag/hellaswag_val.jsonl"),
                "{\"activity_label\": \"Home and Garden\", \"ctx_a\": \"[header] How to paint a wall [title] Buy paint.\","
                        + " \"ctx_b\": \"then THE wall\", \"endings\": [\"[step] dries  fast.\", \"is blue.\"], \"label\": \"1\"}\n");
        TaskSpec spec = Tasks.get("hellaswag");
        TaskItem it = spec.item(0, Tasks.documents(spec, new DataDirs(dir, dir.resolve("no-hub"))).getFirst());
        // "[header]" removed, " [title]" -> ". ", ctx_b capitalised the Python way (rest lower-cased), double space collapsed
        assertThat(it.requests().getFirst().context()).isEqualTo("Home and Garden: How to paint a wall. Buy paint. Then the wall");
        // lm-eval strips before removing tags, so the space after "[step]" survives
        assertThat(it.choices()).containsExactly(" dries fast.", "is blue.");
        assertThat(it.gold()).isEqualTo(1);
    }

    @Test
    void huggingFaceHubParquetLayoutIsFound(@TempDir Path dir) throws Exception {
        Path snap = dir.resolve("hub/datasets--allenai--ai2_arc/snapshots/0123abc/ARC-Easy");
        Files.createDirectories(snap);
        Path parquet = snap.resolve("test-00000-of-00001.parquet");
        try (var c = DriverManager.getConnection("jdbc:duckdb:"); var s = c.createStatement()) {
            s.execute("COPY (SELECT 'q1' AS id, 'Which is red?' AS question, {'text': ['sky', 'blood'], 'label': ['A', 'B']} AS choices, "
                    + "'B' AS answerKey) TO '" + parquet + "' (FORMAT parquet)");
        }
        TaskSpec spec = Tasks.get("arc_easy");
        List<JsonNode> docs = Tasks.documents(spec, new DataDirs(dir.resolve("empty"), dir.resolve("hub")));
        TaskItem it = spec.item(0, docs.getFirst());
        assertThat(it.requests().getFirst().context()).isEqualTo("Question: Which is red?\nAnswer:");
        assertThat(it.choices()).containsExactly("sky", "blood");
        assertThat(it.gold()).isEqualTo(1);
    }

    @Test
    void hubSnapshotsOfSymlinkedBlobsAreReadAndTheFirstMatchingLayoutWins(@TempDir Path dir) throws Exception {
        Path repo = dir.resolve("datasets--EleutherAI--lambada_openai");
        Files.createDirectories(repo.resolve("blobs"));
        Files.writeString(repo.resolve("blobs/0a1b"), "{\"text\": \"one two three\"}\n{\"text\": \"four five\"}\n");
        Path data = Files.createDirectories(repo.resolve("snapshots/rev1/data"));
        Files.createSymbolicLink(data.resolve("lambada_test.jsonl"), Path.of("../../../blobs/0a1b"));
        Files.writeString(data.resolve("lambada_test_en.jsonl"), "{\"text\": \"not this one\"}\n");
        TaskSpec spec = Tasks.get("lambada_openai");
        List<JsonNode> docs = Tasks.documents(spec, new DataDirs(dir.resolve("empty"), dir));
        assertThat(docs).hasSize(2);
        assertThat(spec.item(1, docs.get(1)).requests().getFirst()).isEqualTo(new Request("four", " five"));
    }

    @Test
    void missingDataSaysWhereItLookedAndWhatToDo(@TempDir Path dir) {
        assertThatThrownBy(() -> Tasks.documents(Tasks.get("piqa"), new DataDirs(dir, dir.resolve("hub"))))
                .isInstanceOf(SuperweightException.class)
                .hasMessageContaining("piqa: data not found")
                .hasMessageContaining("<data>/piqa/valid.jsonl")
                .hasMessageContaining("datasets--ybisk--piqa")
                .hasMessageContaining("--data-dir")
                .hasMessageNotContaining("\n");
    }

    @Test
    void malformedJsonLineNamesFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"fine\"}\n\n{\"text\": \"broken\n");
        assertThatThrownBy(() -> Documents.jsonLines(f)).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(f + ":3: malformed JSON");
    }

    @Test
    void unknownTaskListsTheKnownOnes() {
        assertThatThrownBy(() -> Tasks.get("mmlu")).isInstanceOf(SuperweightException.class)
                .hasMessage("unknown task 'mmlu' (known: piqa, arc_easy, arc_challenge, hellaswag, lambada_openai, winogrande, sciq, wikitext)");
    }

    @Test
    void labelFileOfTheWrongLengthIsAnError(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("piqa"));
        Files.writeString(dir.resolve("piqa/valid.jsonl"), "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
        Files.writeString(dir.resolve("piqa/valid-labels.lst"), "0\n1\n");
        assertThatThrownBy(() -> Tasks.documents(Tasks.get("piqa"), new DataDirs(dir, dir)))
                .hasMessageContaining("valid-labels.lst: 2 labels for 1 records");
    }
}
