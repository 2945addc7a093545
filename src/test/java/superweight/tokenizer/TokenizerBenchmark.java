package superweight.tokenizer;

import superweight.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Encoding speed on wikitext-2 test (a timing harness, not a test: run its main, see docs/tokenizer.md).
 * Reports load time, the first pass (cold JIT, empty word cache), a pass with a fresh tokenizer after JIT warm-up
 * (empty word cache: measures the merge loop) and the best of several passes with a filled word cache.
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        String text = Files.readString(Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw"));
        String[] vocabs = args.length > 0 ? args : new String[] {"llama-spm", "gpt-2", "bert-bge"};
        System.out.printf("wiki.test.raw: %d chars%n", text.length());
        for (String name : vocabs) {
            Path gguf = Fixtures.shared().resolve("vocab/ggml-vocab-" + name + ".gguf");
            long t0 = System.nanoTime();
            Tokenizer t = Tokenizers.load(gguf);
            long t1 = System.nanoTime();
            int tokens = t.encode(text).length;
            long t2 = System.nanoTime();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long s = System.nanoTime();
                t.encode(text);
                best = Math.min(best, (System.nanoTime() - s) / 1e9);
            }
            Tokenizer fresh = Tokenizers.load(gguf);
            long f0 = System.nanoTime();
            fresh.encode(text);
            double freshCache = (System.nanoTime() - f0) / 1e9;
            long d0 = System.nanoTime();
            int[] ids = t.encode(text);
            String back = t.decode(ids);
            double decode = (System.nanoTime() - d0) / 1e9;
            System.out.printf("%-14s load %.2f s, %d tokens | first %.3f s (%.2f M tok/s) | empty cache %.3f s (%.2f M tok/s)"
                            + " | warm %.3f s (%.2f M tok/s) | encode+decode %.3f s, round trip %s%n",
                    name, (t1 - t0) / 1e9, tokens, (t2 - t1) / 1e9, tokens / ((t2 - t1) / 1e9) / 1e6,
                    freshCache, tokens / freshCache / 1e6, best, tokens / best / 1e6,
                    decode, back.equals(text) ? "exact" : "differs");
        }
    }
}
