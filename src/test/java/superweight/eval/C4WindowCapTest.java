package superweight.eval;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPTQ's C4 rules keep 256 windows ({@code datautils.py}: {@code range(256)} draws for c4, {@code input_ids[:, :(256 *
 * seqlen)]} for c4-new), however much text the documents hold: with a 16-token context the shared 2000-document
 * sample has tens of thousands of windows, so a rule that forgot the cap would report them all.
 */
class C4WindowCapTest {
    static final Path DATA = Fixtures.shared().resolve("data");
    static final int CTX = 16;
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.shared().resolve("fixtures/planted/model-f32.gguf"));
    static final Model model = LOADED.model();

    private static PerplexityStream stream(String dataset, int limit) {
        var o = new Evaluation.PerplexityOptions(CTX, Perplexity.Style.GPTQ, limit, DATA, null, null, null);
        return Evaluation.perplexityStream(model, new ByteTestTokenizer(true), dataset, o);
    }

    @Test
    void c4NewIsTheFirst256WindowsOfTheFirst1100DocumentsJoined() throws Exception {
        // the documents read here with plain SQL, not through the eval package
        List<String> docs = new ArrayList<>();
        Path parquet = DATA.resolve("c4_validation_sample/c4_validation_2k.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             ResultSet r = c.createStatement().executeQuery("SELECT text FROM read_parquet('" + parquet + "')")) {
            while (r.next()) docs.add(r.getString(1));
        }
        assertThat(docs).hasSizeGreaterThan(1100);
        int[] all = new ByteTestTokenizer(true).encode(String.join(" ", docs.subList(0, 1100)), true, false);
        assertThat(all.length / CTX).as("windows the text would give without the cap").isGreaterThan(10 * 256);

        PerplexityStream s = stream("c4-new", 0);
        assertThat(s.dataset()).isEqualTo("c4-new-like");
        assertThat(s.windows()).isEqualTo(256);
        assertThat(s.tokens()).isEqualTo(Arrays.copyOf(all, 256 * CTX));
        assertThat(stream("c4-new", 300).windows()).as("a larger --limit does not lift the cap").isEqualTo(256);
        assertThat(stream("c4-new", 7).windows()).isEqualTo(7);
    }

    @Test
    void c4DrawsExactly256Windows() {
        PerplexityStream s = stream("c4", 0);
        assertThat(s.dataset()).isEqualTo("c4-like");
        assertThat(s.windows()).isEqualTo(256);
        assertThat(stream("c4", 300).windows()).isEqualTo(256);
        assertThat(stream("c4", 3).windows()).isEqualTo(3);
    }
}
