package superweight.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.tokenizer.TestVectors;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Text to token ids (or ids to text) with a model's own tokenizer. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Turn text into the model's token ids, or ids back into text.",
                "Input files are read as UTF-8; invalid bytes become U+FFFD (like Python's errors='replace')."})
public final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Model directory (tokenizer.json), tokenizer.json, .safetensors (tokenizer.json beside it) or .gguf (a vocabulary-only GGUF works).")
    Path model;

    @Option(names = "--text", paramLabel = "TEXT", description = "The text to encode (with --decode: ids separated by commas or spaces).")
    String text;

    @Option(names = "--text-file", paramLabel = "FILE", description = "Read the text (or, with --decode, the ids) from FILE.")
    Path textFile;

    @Option(names = "--vectors", paramLabel = "FILE.inp",
            description = "A llama.cpp test-vector file (strings separated by __ggml_vocab_test__ lines): print one line of ids per string in the .out format (no BOS).")
    Path vectors;

    @Option(names = "--decode", description = "Decode ids to text instead of encoding.")
    boolean decode;

    @Option(names = "--add-bos", description = "Put the BOS token first (BERT: [CLS] first and [SEP] last).")
    boolean addBos;

    @Option(names = "--parse-special", description = "Turn special-token text such as <s> or <|endoftext|> into its id.")
    boolean parseSpecial;

    @Option(names = "--json", description = "Print one JSON object: {\"ids\": [...]} or {\"text\": ...}.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        int inputs = (text != null ? 1 : 0) + (textFile != null ? 1 : 0) + (vectors != null ? 1 : 0);
        if (inputs != 1) throw new SuperweightException("tokenize: give exactly one of --text, --text-file or --vectors");
        if (decode && vectors != null) throw new SuperweightException("tokenize: --decode takes ids in --text or --text-file, not --vectors");
        PrintWriter out = spec.commandLine().getOut();
        Tokenizer tokenizer = Tokenizers.load(model);
        if (vectors != null) {
            List<int[]> all = new ArrayList<>();
            for (String s : TestVectors.parseInputs(readText(vectors))) all.add(tokenizer.encode(s, addBos, parseSpecial));
            if (json) {
                out.println(JSON.writeValueAsString(JSON.createObjectNode().putPOJO("ids", all)));
            } else {
                for (int[] ids : all) out.println(TestVectors.formatIds(ids));
            }
        } else {
            String input = text != null ? text : readText(textFile);
            String source = text != null ? "--text" : textFile.toString();
            if (decode) {
                String decoded = tokenizer.decode(parseIds(input, source));
                out.println(json ? JSON.writeValueAsString(JSON.createObjectNode().put("text", decoded)) : decoded);
            } else {
                int[] ids = tokenizer.encode(input, addBos, parseSpecial);
                if (json) {
                    ObjectNode o = JSON.createObjectNode();
                    o.putArray("ids").addAll(java.util.Arrays.stream(ids).mapToObj(JSON.getNodeFactory()::numberNode).toList());
                    out.println(JSON.writeValueAsString(o));
                } else {
                    out.println(TestVectors.formatIds(ids).strip());
                }
            }
        }
        out.flush();
        return 0;
    }

    private static String readText(Path file) {
        try {
            // new String(bytes, UTF_8) replaces every malformed sequence with U+FFFD.
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SuperweightException(file + ": no such file");
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static int[] parseIds(String input, String source) {
        String trimmed = input.strip();
        if (trimmed.isEmpty()) return new int[0];
        String[] parts = trimmed.split("[,\\s]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new SuperweightException(source + ": \"" + parts[i] + "\" is not a token id");
            }
        }
        return ids;
    }
}
