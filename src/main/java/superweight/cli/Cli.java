package superweight.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import superweight.SuperweightException;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;

/** Helpers shared by the commands: model loading, token-id parsing and JSON output. */
final class Cli {
    static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Cli() {
    }

    /** Parses "1,2,3" or "1 2 3". */
    static int[] parseIds(String text, String option) {
        String t = text.trim();
        if (t.isEmpty()) throw new SuperweightException(option + ": no token ids given");
        try {
            return Arrays.stream(t.split("[,\\s]+")).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new SuperweightException(option + ": not a list of integer token ids: " + e.getMessage());
        }
    }

    /** Token ids from --tokens, or from text (--text/--prompt or a file) through the model's tokenizer. */
    static int[] inputIds(String tokens, String text, Path textFile, Boolean addBos, Path model) {
        if (tokens != null) return parseIds(tokens, "--tokens");
        String s = text != null ? text : readText(textFile);
        Tokenizer tok = Tokenizers.load(model);
        return tok.encode(s, addBos != null ? addBos : tok.addBosByDefault(), false);
    }

    /** The model's tokenizer, or null when it has none; a tokenizer file that is there but broken is an error. */
    static Tokenizer tokenizerOrNull(Path model) {
        return Tokenizers.exists(model) ? Tokenizers.load(model) : null;
    }

    static String readText(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new SuperweightException(file + ": not valid UTF-8 text");
        } catch (java.io.IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static void checkIds(int[] ids, int vocab, String option) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw new SuperweightException(option + ": token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
    }

    /** Positions past the trained context give meaningless numbers; refuse them as llama.cpp does. */
    static void checkLength(int tokens, int contextLength, String what) {
        if (tokens > contextLength) {
            throw new SuperweightException(what + ": " + tokens + " tokens exceed the model's context length " + contextLength);
        }
    }

    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
            out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
