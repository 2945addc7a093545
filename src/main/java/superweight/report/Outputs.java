package superweight.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a command's results (pretty JSON) into its output folder. */
public final class Outputs {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Outputs() {
    }

    public static Path writeJson(Path dir, String name, Object value) {
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve(name);
            JSON.writeValue(p.toFile(), value);
            return p;
        } catch (IOException e) {
            throw new SuperweightException(dir.resolve(name) + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
