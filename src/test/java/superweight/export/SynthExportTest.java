package superweight.export;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.analysis.Detection;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;
import superweight.model.tensor.Tensor;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * synth: a planted super weight in a random model of a non-fixture shape is found, exactly and alone, by the
 * existing detector, in memory and after a round trip through GGUF and Hugging Face files, and the files reload
 * with the very tensors that were written.
 */
class SynthExportTest {
    static final SuperWeight PLANT = new SuperWeight(1, 27, 121, 3f);
    static final int[] TOKENS = {1, 15, 299, 7, 42, 180, 3, 77, 250, 11};

    @TempDir
    Path dir;

    static Model planted() {
        Model m = SyntheticModel.llama(new SyntheticModel.Shape(256, 512, 3, 4, 2, 320, 128), 7);
        return SuperWeightPlant.plant(m, PLANT);
    }

    static void assertDetectsOnlyThePlant(Model m) {
        Detection d = new SuperWeightDetector().detect(m, TOKENS);
        assertThat(d.superWeights()).extracting(SuperWeight::layer, SuperWeight::row, SuperWeight::col)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 27, 121));
    }

    @Test
    void theDetectorFindsExactlyThePlantedCoordinates() {
        Model m = planted();
        assertDetectsOnlyThePlant(m);
        // and the unplanted model has no super weight at all
        Model plain = SyntheticModel.llama(new SyntheticModel.Shape(256, 512, 3, 4, 2, 320, 128), 7);
        assertThat(new SuperWeightDetector().detect(plain, TOKENS).superWeights()).isEmpty();
        assertThat(m.derivation()).singleElement().asString().startsWith("plant-super-weight{layer=1,row=27,col=121,value=3.0");
    }

    @Test
    void ggufAndHuggingFaceFilesReloadWithIdenticalTensorsAndThePlant() {
        Model m = planted();
        Path gguf = dir.resolve("synth.gguf"), hf = dir.resolve("synth-hf");
        ModelExport.write(m, gguf, ModelExport.Options.of("f32"));
        ModelExport.write(m, hf, ModelExport.Options.of("f32"));
        for (Path p : List.of(gguf, hf)) {
            Model back = ModelLoader.load(p);
            try {
                assertSameTensors(m, back, p);
                assertDetectsOnlyThePlant(back);
            } finally {
                back.checkpoint().close();
            }
        }
    }

    @Test
    void quantizedAndMixedGgufsKeepThePlant() {
        Model m = planted();
        Path q8 = dir.resolve("q8.gguf"), mixed = dir.resolve("mixed.gguf");
        ModelExport.write(m, q8, ModelExport.Options.of("q8_0"));
        ModelExport.Result r = ModelExport.write(m, mixed, new ModelExport.Options("q4_k", "q8_0", List.of(PLANT), 1, Long.MAX_VALUE));
        Map<String, String> types = new HashMap<>();
        r.tensors().forEach(t -> types.put(t.name(), t.type()));
        assertThat(types.get("blk.1.ffn_down.weight")).isEqualTo("Q8_0");
        assertThat(types.get("blk.0.ffn_down.weight")).isEqualTo("Q4_K");
        assertThat(types.values().stream().filter("Q8_0"::equals).count()).as("super weight tensor + keep-high 1").isEqualTo(2);
        for (Path p : List.of(q8, mixed)) {
            Model back = ModelLoader.load(p);
            try {
                assertDetectsOnlyThePlant(back);
                float w = back.layers().get(1).down().get(27, 121);
                assertThat(w).as("W[27,121] in %s", p.getFileName()).isCloseTo(3f, org.assertj.core.api.Assertions.within(3f / 127));
            } finally {
                back.checkpoint().close();
            }
        }
    }

    static void assertSameTensors(Model a, Model b, Path where) {
        assertThat(b.config().hiddenSize()).isEqualTo(a.config().hiddenSize());
        assertSame(a.embeddings(), b.embeddings(), where);
        assertSame(a.lmHead(), b.lmHead(), where);
        for (int l = 0; l < a.config().layers(); l++) {
            for (Linear which : Linear.values()) assertSame(a.layers().get(l).linear(which), b.layers().get(l).linear(which), where);
            assertThat(b.layers().get(l).attnNorm()).containsExactly(a.layers().get(l).attnNorm());
        }
        assertThat(b.finalNorm()).containsExactly(a.finalNorm());
    }

    static void assertSame(Tensor x, Tensor y, Path where) {
        assertThat(y.rows()).isEqualTo(x.rows());
        long differing = -1;
        for (long r = 0; r < x.rows() && differing < 0; r++) if (!java.util.Arrays.equals(x.row(r), y.row(r))) differing = r;
        assertThat(differing).as("%s %s: first row that differs", where.getFileName(), x.name()).isEqualTo(-1);
    }
}
