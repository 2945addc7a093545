package superweight;

/**
 * The one error type users see: its message is a single line that names the file (or input) and the problem.
 * The command line prints only the message unless --debug is given.
 */
public class SuperweightException extends RuntimeException {
    public SuperweightException(String message) {
        super(message);
    }

    public SuperweightException(String message, Throwable cause) {
        super(message, cause);
    }
}
