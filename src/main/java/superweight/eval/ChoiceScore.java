package superweight.eval;

/**
 * The score of one continuation: the sum of its tokens' log-probabilities, whether every token was the greedy
 * (argmax) choice, and how many tokens it had.
 */
public record ChoiceScore(double logLikelihood, boolean greedy, int tokens) {
}
