package superweight.eval;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class C4SamplerTest {
    /** Document i of length n "encodes" to i*1000 + 0..n-1, so a window shows which document and offset it came from. */
    static int[] encode(String doc) {
        String[] p = doc.split(":");
        int i = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]);
        return IntStream.range(0, n).map(j -> i * 1000 + j).toArray();
    }

    static final int[] LENGTHS = {5, 40, 3, 25, 60, 10, 33};
    static final List<String> DOCS = IntStream.range(0, LENGTHS.length).mapToObj(i -> i + ":" + LENGTHS[i]).toList();

    @Test
    void drawsDocumentsAndOffsetsAsGptqsLoopDoesUnderCPython() {
        // Expected (document, start) pairs from GPTQ's get_c4 validation loop run by CPython 3.11 on the same lengths:
        //   random.seed(0); for _ in range(6): while True: i = random.randint(0, 6); if lens[i] >= 20: break
        //   s = random.randint(0, lens[i] - 20 - 1)   ->  [(6, 6), (6, 6), (4, 31), (3, 2), (3, 2), (4, 13)]
        int[][] expected = {{6, 6}, {6, 6}, {4, 31}, {3, 2}, {3, 2}, {4, 13}};
        int[] out = C4Sampler.sample(DOCS, C4SamplerTest::encode, 20, 6);
        assertThat(out).hasSize(6 * 20);
        for (int w = 0; w < 6; w++) {
            for (int k = 0; k < 20; k++) {
                assertThat(out[w * 20 + k]).as("window %d token %d", w, k).isEqualTo(expected[w][0] * 1000 + expected[w][1] + k);
            }
        }
    }

    @Test
    void noLongEnoughDocumentIsAnErrorNotALoop() {
        assertThatThrownBy(() -> C4Sampler.sample(DOCS, C4SamplerTest::encode, 61, 1))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("none of the 7 documents has 61 tokens");
    }

    @Test
    void aDocumentOfExactlyTheWindowLengthFailsAsGptqsScriptDoes() {
        assertThatThrownBy(() -> C4Sampler.sample(List.of("0:20"), C4SamplerTest::encode, 20, 1))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("exactly 20 tokens");
    }
}
