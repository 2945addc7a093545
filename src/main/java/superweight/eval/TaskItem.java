package superweight.eval;

import java.util.List;

/**
 * One document of a task turned into requests. {@code choices} are the strings whose character lengths normalise
 * acc_norm (lm-eval's {@code doc_to_choice}); {@code gold} indexes them (-1 for a plain log-likelihood task).
 */
public record TaskItem(String task, int index, List<Request> requests, List<String> choices, int gold) {
    public TaskItem {
        requests = List.copyOf(requests);
        choices = List.copyOf(choices);
    }

    /**
     * SHA-256 (16 hex digits) of the request strings: a stored result is reused only for the very same prompts, so
     * a changed data file or template is rescored instead of silently mixed in.
     */
    public String requestsDigest() {
        try {
            var sha = java.security.MessageDigest.getInstance("SHA-256");
            for (Request r : requests) {
                sha.update(r.context().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(r.continuation().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 1);
            }
            return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
