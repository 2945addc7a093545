package superweight.eval;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.ModelConfig;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Defaults, refusals and the copy-with methods of {@link EvalOptions} and {@link Evaluation.PerplexityOptions}. */
class EvalOptionsTest {
    static final Path DATA = Path.of("/data"), STORE = Path.of("/s.duckdb");

    @Test
    void nullsBecomeTheDocumentedDefaults() {
        EvalOptions o = new EvalOptions(null, 0, null, null, 0, null);
        assertThat(o.storeWait()).isEqualTo(RunStore.DEFAULT_WAIT);
        assertThat(o.progress()).isSameAs(Progress.NONE);
        assertThat(o.bos()).isEqualTo(BosConvention.LM_EVAL_0_4_3);
        assertThat(o.maxLength()).isZero();
    }

    @Test
    void defaultsAreAllDocumentsInTheStoreUnderTheUsersCache() {
        EvalOptions d = EvalOptions.defaults();
        // README: finished items are kept in ~/.cache/superweight/runs.duckdb
        assertThat(d.store()).isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "superweight", "runs.duckdb"));
        assertThat(d.limit()).isZero();
        assertThat(d.concurrency()).isZero();
        assertThat(d.addBos()).isNull();
        assertThat(d.dataDir()).isNull();
    }

    @Test
    void limitAndMaxLengthAreRefusedBelowTheirBounds() {
        assertThatThrownBy(() -> new EvalOptions(null, -1, null, null, 0, null)).isInstanceOf(SuperweightException.class)
                .hasMessage("--limit -1: must be at least 1 (or 0 for all)");
        for (int bad : new int[]{-1, 1}) {
            assertThatThrownBy(() -> new EvalOptions(null, 0, null, null, 0, null, null, bad, null)).isInstanceOf(SuperweightException.class)
                    .hasMessage("--max-length " + bad + ": must be at least 2");
        }
        assertThat(new EvalOptions(null, 0, null, null, 0, null, null, 2, null).maxLength()).isEqualTo(2);
    }

    @Test
    void eachWithChangesItsOwnFieldOnly() {
        Progress p = (name, unit, total, done) -> Progress.NONE.start(name, unit, total, done);
        EvalOptions base = new EvalOptions(DATA, 3, true, STORE, 2, p, BosConvention.LM_EVAL_0_4_10, 64, Duration.ofSeconds(7));
        assertThat(base.withLimit(9)).isEqualTo(new EvalOptions(DATA, 9, true, STORE, 2, p, BosConvention.LM_EVAL_0_4_10, 64, Duration.ofSeconds(7)));
        assertThat(base.withStore(Path.of("/t"))).isEqualTo(new EvalOptions(DATA, 3, true, Path.of("/t"), 2, p, BosConvention.LM_EVAL_0_4_10, 64, Duration.ofSeconds(7)));
        assertThat(base.withDataDir(Path.of("/d2"))).isEqualTo(new EvalOptions(Path.of("/d2"), 3, true, STORE, 2, p, BosConvention.LM_EVAL_0_4_10, 64, Duration.ofSeconds(7)));
        assertThat(base.withProgress(Progress.NONE)).isEqualTo(new EvalOptions(DATA, 3, true, STORE, 2, Progress.NONE, BosConvention.LM_EVAL_0_4_10, 64, Duration.ofSeconds(7)));
        assertThat(base.withBos(BosConvention.LM_EVAL_0_4_3)).isEqualTo(new EvalOptions(DATA, 3, true, STORE, 2, p, BosConvention.LM_EVAL_0_4_3, 64, Duration.ofSeconds(7)));
        assertThat(base.withStoreWait(Duration.ZERO)).isEqualTo(new EvalOptions(DATA, 3, true, STORE, 2, p, BosConvention.LM_EVAL_0_4_10, 64, Duration.ZERO));
        assertThat(base.withMaxLength(128)).isEqualTo(new EvalOptions(DATA, 3, true, STORE, 2, p, BosConvention.LM_EVAL_0_4_10, 128, Duration.ofSeconds(7)));
    }

    @Test
    void perplexityOptionsDefaultsAndRefusals() {
        var o = new Evaluation.PerplexityOptions(0, Perplexity.Style.GPTQ, 0, null, null, null, null);
        assertThat(o.storeWait()).isEqualTo(RunStore.DEFAULT_WAIT);
        assertThat(o.condition()).isEqualTo("baseline");
        assertThat(o.progress()).isSameAs(Progress.NONE);
        assertThat(new Evaluation.PerplexityOptions(0, Perplexity.Style.GPTQ, 0, null, null, "ablated", null, Duration.ZERO))
                .extracting(Evaluation.PerplexityOptions::condition, Evaluation.PerplexityOptions::storeWait)
                .containsExactly("ablated", Duration.ZERO);
        assertThatThrownBy(() -> new Evaluation.PerplexityOptions(0, Perplexity.Style.GPTQ, -1, null, null, null, null))
                .isInstanceOf(SuperweightException.class).hasMessage("--limit -1: must be at least 1 (or 0 for all)");
        assertThatThrownBy(() -> new Evaluation.PerplexityOptions(-2, Perplexity.Style.GPTQ, 0, null, null, null, null))
                .isInstanceOf(SuperweightException.class).hasMessage("--ctx -2: must be positive");
    }

    @Test
    void theDefaultWindowIsTheStylesLengthCappedAtTheDeclaredContext() {
        Model llama = ModelLoader.load(Fixtures.arch("llama").resolve("model.safetensors"));
        try {
            Model declares1024 = withContextLength(llama, 1024);
            // llama.cpp's perplexity uses n_ctx 512 by default; GPTQ's scripts use 2048, both capped at the context
            assertThat(Evaluation.windowLength(declares1024, Evaluation.PerplexityOptions.of(Perplexity.Style.LLAMACPP))).isEqualTo(512);
            assertThat(Evaluation.windowLength(declares1024, Evaluation.PerplexityOptions.of(Perplexity.Style.GPTQ))).isEqualTo(1024);
            assertThat(Evaluation.windowLength(llama, Evaluation.PerplexityOptions.of(Perplexity.Style.LLAMACPP))).isEqualTo(256);
            Model declares4096 = withContextLength(llama, 4096);
            assertThat(Evaluation.windowLength(declares4096, Evaluation.PerplexityOptions.of(Perplexity.Style.GPTQ))).isEqualTo(2048);
            // an explicit --ctx as given, even beyond the declared context
            assertThat(Evaluation.windowLength(llama, new Evaluation.PerplexityOptions(300, Perplexity.Style.LLAMACPP, 0, null, null, null, null)))
                    .isEqualTo(300);
        } finally {
            llama.checkpoint().close();
        }
    }

    /** The same weights with another declared context length (windowLength only reads the config). */
    static Model withContextLength(Model m, int contextLength) {
        ModelConfig c = m.config();
        ModelConfig longer = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(), c.kvHeads(),
                c.headDim(), c.vocabSize(), contextLength, c.ropeTheta(), c.rotaryDims(), c.ropeScaling(), c.norm(), c.normEps(), c.activation(),
                c.gatedMlp(), c.parallelResidual(), c.postNorms(), c.qkNorm(), c.clipQkv(), c.embeddingScale(), c.tiedEmbeddings(),
                c.bosId(), c.eosId(), c.slidingWindow());
        return new Model(m.id(), longer, m.embeddings(), m.layers(), m.finalNorm(), m.finalNormBias(), m.lmHead(), m.checkpoint(),
                m.derivation(), m.encoder());
    }
}
