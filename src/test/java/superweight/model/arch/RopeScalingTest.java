package superweight.model.arch;

import superweight.model.Model;
import superweight.model.ModelLoader;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Llama 3 rope_scaling read from config.json, against values evaluated by hand (python, float64) for Llama-3.1-8B. */
class RopeScalingTest {
    @TempDir
    Path tmp;

    private Path llamaWith(String ropeScaling) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        var c = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(Fixtures.arch("llama").resolve("config.json").toFile());
        c.set("rope_scaling", new ObjectMapper().readTree(ropeScaling));
        c.put("rope_theta", 500000.0);
        Files.writeString(dir.resolve("config.json"), c.toString());
        Files.copy(Fixtures.arch("llama").resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() throws Exception {
        Path dir = llamaWith("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192}");
        Model m = ModelLoader.load(dir);
        try {
            // The fixture's head_dim is 16; evaluate the same formula for a 128-dim head as in Llama 3.
            ModelConfig c = m.config();
            ModelConfig wide = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(), c.kvHeads(),
                    128, c.vocabSize(), c.contextLength(), c.ropeTheta(), 128, c.ropeScaling(), c.norm(), c.normEps(), c.activation(),
                    c.gatedMlp(), c.parallelResidual(), c.postNorms(), c.qkNorm(), c.clipQkv(), c.embeddingScale(), c.tiedEmbeddings(),
                    c.bosId(), c.eosId());
            double[] inv = wide.ropeInverseFrequencies();
            assertThat(inv[0]).isEqualTo(1.0);
            assertThat(inv[30]).isCloseTo(0.0013718935677611381, within(1e-15));
            assertThat(inv[63]).isCloseTo(3.068925988914511e-07, within(1e-18));
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void unknownScalingTypeIsRefused() throws Exception {
        Path dir = llamaWith("{\"rope_type\":\"yarn\",\"factor\":4.0}");
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("unsupported rope_scaling type 'yarn'");
    }
}
