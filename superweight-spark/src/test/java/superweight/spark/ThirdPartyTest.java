package superweight.spark;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * superweight-spark/THIRD-PARTY is what the build generated (license-maven-plugin, bin/third-party), it names every
 * jar the module runs with, and each of them can be taken under a license compatible with Apache-2.0 (a
 * dual-licensed library under one of its licenses; docs/distributed.md says which).
 */
class ThirdPartyTest {
    private static final Path COMMITTED = Path.of("THIRD-PARTY");
    private static final Path GENERATED = Path.of("target/generated-resources/licenses/THIRD-PARTY.txt");
    /** Licenses a library may be taken under here; copyleft ones only as the alternative of a dual license. */
    private static final Set<String> ACCEPTED = Set.of("Apache-2.0", "Apache-1.1", "MIT", "BSD-3-Clause", "BSD-2-Clause", "0BSD",
            "Unicode-3.0", "EPL-2.0", "CDDL-1.1 OR GPL-2.0-with-classpath-exception");
    private static final Pattern LINE = Pattern.compile("^ {2}\\[(.+?)] .+ \\(([^:() ]+):([^:() ]+):([^:() ]+)[ )]");
    /** Test-scope artifacts on Surefire's class path (JUnit, AssertJ and what they bring), never shipped. */
    private static final List<String> TEST_ONLY = List.of("org.junit.", "org.assertj:", "org.opentest4j:", "org.apiguardian:", "net.bytebuddy:");

    private record Entry(List<String> licenses, String coordinates) {
    }

    private static List<Entry> entries(String text) {
        return text.lines().map(LINE::matcher).filter(Matcher::find)
                .map(m -> new Entry(List.of(m.group(1).split(", ")), m.group(2) + ":" + m.group(3) + ":" + m.group(4))).toList();
    }

    private static boolean accepted(List<String> licenses) {
        return licenses.stream().anyMatch(ACCEPTED::contains);
    }

    /** groupId:artifactId:version of a jar in the local Maven repository, from its path (repository layout). */
    private static String coordinates(Path jar) {
        int n = jar.getNameCount();
        String version = jar.getName(n - 2).toString(), artifact = jar.getName(n - 3).toString();
        int repo = 0;
        while (!jar.getName(repo).toString().equals("repository")) repo++;
        return jar.subpath(repo + 1, n - 3).toString().replace(File.separatorChar, '.') + ":" + artifact + ":" + version;
    }

    @Test
    void theCommittedListIsWhatTheBuildGenerated() throws Exception {
        assertThat(GENERATED).as("run the build (bin/test or bin/third-party) first").isRegularFile();
        assertThat(Files.readString(COMMITTED)).as("dependencies changed: run bin/third-party").isEqualTo(Files.readString(GENERATED));
    }

    @Test
    void everyLibraryHasAnAcceptedLicense() throws Exception {
        List<Entry> entries = entries(Files.readString(GENERATED));
        assertThat(entries).hasSizeGreaterThan(100);
        for (Entry e : entries) assertThat(accepted(e.licenses())).as("%s under %s", e.coordinates(), e.licenses()).isTrue();
    }

    @Test
    void theListNamesExactlyTheJarsOnTheClassPath() throws Exception {
        Set<String> listed = new TreeSet<>();
        for (Entry e : entries(Files.readString(COMMITTED))) if (!e.coordinates().startsWith("dev.superweight:")) listed.add(e.coordinates());
        Set<String> jars = new TreeSet<>();
        for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!p.endsWith(".jar") || !p.contains(File.separator + "repository" + File.separator)) continue;
            String c = coordinates(Path.of(p));
            if (TEST_ONLY.stream().noneMatch(c::startsWith)) jars.add(c);
        }
        assertThat(listed).isEqualTo(jars);
    }

    @Test
    void theLineFormatIsReadAndCopyleftOnlyIsRefused() {
        List<Entry> e = entries("  [Apache-2.0, GPL-2.0] r (org.rocksdb:rocksdbjni:9.8.4 - https://rocksdb.org)\n"
                + "  [GPL-2.0-with-classpath-exception] j (g:h:2)\n  [LGPL-2.1] s (j:k:3 - no url defined)\n"
                + "not a library line (a:b:c)\n");
        assertThat(e).containsExactly(new Entry(List.of("Apache-2.0", "GPL-2.0"), "org.rocksdb:rocksdbjni:9.8.4"),
                new Entry(List.of("GPL-2.0-with-classpath-exception"), "g:h:2"), new Entry(List.of("LGPL-2.1"), "j:k:3"));
        assertThat(e.stream().map(x -> accepted(x.licenses()))).containsExactly(true, false, false);
        assertThat(coordinates(Path.of("/root/.m2/repository/org/apache/spark/spark-core_2.13/4.2.0/spark-core_2.13-4.2.0.jar")))
                .isEqualTo("org.apache.spark:spark-core_2.13:4.2.0");
    }
}
