package superweight;

/**
 * The one error type users see: its message is a single line that names the file (or input) and the problem.
 * The command line prints only the message unless --debug is given.
 */
public class SuperweightException extends RuntimeException {
    public SuperweightException(String message) {
        super(printable(message));
    }

    public SuperweightException(String message, Throwable cause) {
        super(printable(message), cause);
    }

    /**
     * Messages quote names read from hostile files (tensor names, keys, shard names): control characters, such as
     * newlines or terminal escape sequences, are shown as Java-style escapes (a backslash, 'u' and four hex digits) so the message stays one harmless line.
     */
    public static String printable(String message) {
        if (message == null || message.chars().noneMatch(Character::isISOControl)) return message;
        StringBuilder b = new StringBuilder(message.length() + 16);
        for (char c : message.toCharArray()) {
            if (Character.isISOControl(c)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
