package superweight.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Windows derived by hand from lm-eval's get_rolling_token_windows(context_len=1) + make_disjoint_window, e.g. for
 * tokens 0..9, max length 4, prefix P: (input [P,0,1,2], pred [0..3]) -> disjoint ([P], [0,1,2,3]);
 * pred_len = 4; ([3,4,5,6], [4..7]) -> ([3], [4,5,6,7]); ([5,6,7,8], [8,9]) -> ([5,6,7], [8,9]).
 */
class RollingWindowsTest {
    static final int P = -7;

    static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    @Test
    void everyTokenIsPredictedOnceWithTheLongestContextThatFits() {
        List<EncodedPair> w = RollingWindows.of(range(10), P, 4);
        assertThat(w).hasSize(3);
        assertThat(w.get(0).tokens()).containsExactly(P, 0, 1, 2, 3);
        assertThat(w.get(0).continuationLength()).isEqualTo(4);
        assertThat(w.get(1).tokens()).containsExactly(3, 4, 5, 6, 7);
        assertThat(w.get(1).continuationLength()).isEqualTo(4);
        assertThat(w.get(2).tokens()).containsExactly(5, 6, 7, 8, 9);
        assertThat(w.get(2).continuationLength()).isEqualTo(2);
    }

    @Test
    void aShortDocumentIsOneWindowAfterThePrefix() {
        List<EncodedPair> w = RollingWindows.of(range(3), P, 4);
        assertThat(w).hasSize(1);
        assertThat(w.getFirst().tokens()).containsExactly(P, 0, 1, 2);
        assertThat(w.getFirst().continuationLength()).isEqualTo(3);
    }

    @Test
    void exactlyOneMaxLengthAndOneMore() {
        assertThat(RollingWindows.of(range(4), P, 4)).hasSize(1);
        List<EncodedPair> w = RollingWindows.of(range(5), P, 4);
        assertThat(w).hasSize(2);
        // second window predicts only token 4, from the 4 tokens before it
        assertThat(w.get(1).tokens()).containsExactly(0, 1, 2, 3, 4);
        assertThat(w.get(1).continuationLength()).isEqualTo(1);
        int predicted = w.stream().mapToInt(EncodedPair::continuationLength).sum();
        assertThat(predicted).isEqualTo(5);
    }

    @Test
    void noTokensNoWindows() {
        assertThat(RollingWindows.of(new int[0], P, 4)).isEmpty();
    }
}
