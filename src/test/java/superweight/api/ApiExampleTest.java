package superweight.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The example of docs/api.md, compiled with javac against the test classpath and run on the planted fixture. */
class ApiExampleTest {
    @TempDir
    Path tmp;

    @Test
    void theDocumentedExampleCompilesRunsAndFindsThePlantedWeight() throws Exception {
        Matcher m = Pattern.compile("(?s)```java\n(.*?)```").matcher(Files.readString(Path.of("docs/api.md")));
        assertThat(m.find()).as("a ```java block in docs/api.md").isTrue();
        Path src = tmp.resolve("SuperWeightExample.java");
        Files.writeString(src, m.group(1));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "--add-modules", "jdk.incubator.vector", "-Xlint:-incubating",
                "-cp", classpath, "-d", tmp.toString(), src.toString());
        assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        Path planted = Fixtures.shared().resolve("fixtures/planted");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{tmp.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("SuperWeightExample").getMethod("main", String[].class)
                    .invoke(null, (Object) new String[]{planted.resolve("model-f32.gguf").toString()});
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        JsonNode truth = Fixtures.json(planted.resolve("truth.json"));
        assertThat(printed).contains("super weight (" + truth.get("layer").asInt() + ", " + truth.get("row").asInt() + ", " + truth.get("col").asInt() + ")");
        assertThat(printed).containsPattern("original: wikitext2 ppl [0-9.]+, piqa acc [0-9.]+")
                .containsPattern("prune-sw: wikitext2 ppl [0-9.]+, piqa acc [0-9.]+").contains("next token: ");
    }
}
