package superweight.fuzz;

import superweight.SuperweightException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Seed corpora for the fuzz tests, generated at test time from the shared fixtures (never stored in the
 * repository) into the folder where Jazzer keeps a fuzz test's generated corpus:
 * {@code <jazzer.internal.basedir>/.cifuzz-corpus/<class>/<method>} (the fuzz execution of the pom sets the
 * base folder to {@code target/fuzz}).
 */
public final class FuzzSeeds {
    private FuzzSeeds() {
    }

    public static Path corpus(Class<?> test, String method) {
        Path base = Path.of(System.getProperty("jazzer.internal.basedir", "")).toAbsolutePath();
        try {
            return Files.createDirectories(base.resolve(".cifuzz-corpus").resolve(test.getName()).resolve(method));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path corpus, String name, byte[] seed) {
        try {
            Files.write(corpus.resolve(name), seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh scratch folder for the files a fuzz target writes (outside the repository). */
    public static Path scratch(String name) {
        try {
            return Files.createTempDirectory("superweight-fuzz-" + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the input where the parser will read it. */
    public static Path put(Path file, byte[] data) {
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The contract every parser must keep: succeed, or refuse with a one-line SuperweightException. */
    public static void refusalOnly(Runnable parse) {
        try {
            parse.run();
        } catch (SuperweightException e) {
            if (e.getMessage() == null || e.getMessage().contains("\n")) throw new AssertionError("not a one-line message: " + e.getMessage(), e);
        }
    }
}
