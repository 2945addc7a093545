package superweight.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import superweight.SuperweightException;
import superweight.io.AtomicOutput;

import java.io.IOException;
import java.nio.file.Path;

/** Writes a command's results (pretty JSON) into its output folder, atomically. */
public final class Outputs {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Outputs() {
    }

    public static Path writeJson(Path dir, String name, Object value) {
        Path p = dir.resolve(name);
        try {
            return AtomicOutput.writeBytes(p, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new SuperweightException(p + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
