package superweight.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads JSON files that come with downloads (config.json, the shard index, tokenizer.json, tokenizer_config.json)
 * with a size cap checked before parsing, so a hostile file cannot exhaust the heap. Jackson's own stream limits
 * (nesting depth 1000, string length 20 M characters, number length 1000) apply on top.
 */
public final class JsonFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFiles() {
    }

    public static JsonNode read(Path file, long maxBytes) {
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new SuperweightException(file + ": " + size + " bytes, more than the " + maxBytes + " this JSON file may have");
            }
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new SuperweightException(file + ": cannot read JSON (" + msg + ")", e);
        }
    }
}
