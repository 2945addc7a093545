package superweight.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import superweight.fuzz.FuzzSeeds;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * tokenizer.json + tokenizer_config.json under fuzzing; the input is [config length: 2 bytes][tokenizer_config.json]
 * [tokenizer.json]. A loaded tokenizer must also encode and decode a fixed text. Seeds: the seven tokenizer.json
 * dialects of HfCrossCheck, built from the shared GGUF vocabularies cut to their first 512 tokens.
 */
class FuzzTokenizerJsonTest {
    private static final Path DIR = FuzzSeeds.scratch("tokenizer");
    private static final int TOKENS = 512;

    @BeforeAll
    static void seeds() throws Exception {
        Path corpus = FuzzSeeds.corpus(FuzzTokenizerJsonTest.class, "tokenizerJson");
        String config = "{\"add_bos_token\": true, \"bos_token\": \"<s>\", \"eos_token\": {\"content\": \"</s>\"}}";
        for (HfCrossCheck.Variant v : HfCrossCheck.variants().toList()) {
            byte[] json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(v.build().apply(trimmed(v.vocab())));
            FuzzSeeds.write(corpus, v.name(), seed(config, json));
        }
    }

    /** The first TOKENS tokens, with the merges among them only. */
    private static HfCrossCheck.Vocab trimmed(String name) {
        var v = HfCrossCheck.Vocab.read(name);
        String[] tokens = Arrays.copyOf(v.tokens(), TOKENS);
        Set<String> kept = new HashSet<>(Arrays.asList(tokens));
        String[] merges = v.merges() == null ? null : Arrays.stream(v.merges()).filter(m -> {
            int sp = m.indexOf(' ', 1);
            return kept.contains(m.substring(0, sp)) && kept.contains(m.substring(sp + 1)) && kept.contains(m.substring(0, sp) + m.substring(sp + 1));
        }).toArray(String[]::new);
        return new HfCrossCheck.Vocab(tokens, v.types() == null ? null : Arrays.copyOf(v.types(), TOKENS),
                v.scores() == null ? null : Arrays.copyOf(v.scores(), TOKENS), merges);
    }

    private static byte[] seed(String config, byte[] json) {
        byte[] c = config.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(c.length >> 8);
        out.write(c.length);
        out.writeBytes(c);
        out.writeBytes(json);
        return out.toByteArray();
    }

    @FuzzTest(maxDuration = "5s")
    void tokenizerJson(byte[] data) {
        int n = data.length < 2 ? 0 : Math.min(data.length - 2, ((data[0] & 0xFF) << 8) | (data[1] & 0xFF));
        int from = Math.min(2, data.length);
        FuzzSeeds.put(DIR.resolve("tokenizer_config.json"), Arrays.copyOfRange(data, from, from + n));
        Path json = FuzzSeeds.put(DIR.resolve("tokenizer.json"), Arrays.copyOfRange(data, from + n, data.length));
        FuzzSeeds.refusalOnly(() -> {
            Tokenizer t = Tokenizers.load(json);
            t.decode(t.encode("Hello wörld 123 <s> \u2581x", true, true));
        });
    }
}
