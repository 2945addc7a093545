package superweight;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data flows one way (README, Architecture): a package may use only the packages listed for it here, all of which
 * sit below it, so no import runs back up and there are no cycles. A new package must be placed here explicitly.
 */
class PackageLayeringTest {
    private static final Set<String> MODEL = Set.of("model", "model.arch", "model.format", "model.tensor");
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("", Set.of()),
            Map.entry("io", Set.of("")),
            Map.entry("model.tensor", Set.of("", "io")),
            // ModelPaths turns a Hub id into a cache folder; hub itself uses only "" and io
            Map.entry("model.format", Set.of("", "io", "hub", "model.tensor")),
            Map.entry("model.arch", Set.of("", "io", "model.tensor", "model.format")),
            Map.entry("model", Set.of("", "io", "model.tensor", "model.format", "model.arch")),
            Map.entry("hub", Set.of("", "io")),
            Map.entry("tokenizer", union(Set.of("", "io"), MODEL)),
            Map.entry("engine", union(Set.of("", "io"), MODEL)),
            Map.entry("eval", union(Set.of("", "io", "engine", "tokenizer"), MODEL)),
            Map.entry("analysis", union(Set.of("", "io", "engine", "tokenizer"), MODEL)),
            Map.entry("quant", union(Set.of("", "io", "engine", "tokenizer", "analysis"), MODEL)),
            Map.entry("export", union(Set.of("", "io", "engine", "tokenizer", "analysis", "quant"), MODEL)),
            Map.entry("jobs", union(Set.of("", "io", "engine", "tokenizer", "analysis", "quant", "eval"), MODEL)),
            Map.entry("report", union(Set.of("", "io", "engine", "tokenizer", "analysis", "quant", "eval", "jobs"), MODEL)),
            // api (the Java facade) sits on top beside cli, which may use it
            Map.entry("api", union(Set.of("", "io", "hub", "engine", "tokenizer", "analysis", "quant", "export", "eval", "jobs", "report"), MODEL)),
            Map.entry("cli", union(Set.of("", "io", "hub", "engine", "tokenizer", "analysis", "quant", "export", "eval", "jobs", "report", "api"), MODEL)));

    private static final Pattern REFERENCE = Pattern.compile("\\bsuperweight((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");

    @Test
    void everyPackageUsesOnlyThePackagesBelowIt() throws IOException {
        Path root = Path.of("src/main/java/superweight");
        List<String> violations = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).hasSizeGreaterThan(100);
        for (Path f : files) {
            String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
            assertThat(ALLOWED).as("package %s is not placed in the layering", pkg).containsKey(pkg);
            String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
            Matcher m = REFERENCE.matcher(code);
            while (m.find()) {
                String used = m.group(1).isEmpty() ? "" : m.group(1).substring(1);
                if (!used.equals(pkg) && !ALLOWED.get(pkg).contains(used)) violations.add(f + " uses superweight." + used);
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theRuleCatchesAnUpwardImport() {
        Matcher m = REFERENCE.matcher("import superweight.cli.Main;");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(".cli");
        assertThat(ALLOWED.get("model.tensor")).doesNotContain("cli", "model.format");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }
}
