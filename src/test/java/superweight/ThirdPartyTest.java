package superweight;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project is Apache-2.0: every runtime dependency must be under a license that allows that (no GPL, no LGPL),
 * and THIRD-PARTY must list them as the build generated it (license-maven-plugin, at generate-resources).
 */
class ThirdPartyTest {
    private static final Path COMMITTED = Path.of("THIRD-PARTY");
    private static final Path GENERATED = Path.of("target/generated-resources/licenses/THIRD-PARTY.txt");
    private static final Set<String> COMPATIBLE = Set.of("Apache-2.0", "MIT", "BSD-3-Clause", "BSD-2-Clause");
    private static final Pattern LINE = Pattern.compile("^ {2}\\[(.+?)] .+ \\(([^:() ]+):([^:() ]+):([^:() ]+)[ )]");

    private record Entry(List<String> licenses, String groupId, String artifactId) {
    }

    private static List<Entry> entries(String text) {
        List<Entry> r = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.find()) r.add(new Entry(List.of(m.group(1).split(", ")), m.group(2), m.group(3)));
        }
        return r;
    }

    /** At least one of the licenses (a dual-licensed library may be taken under either) is on the list. */
    private static boolean compatible(List<String> licenses) {
        return licenses.stream().anyMatch(COMPATIBLE::contains);
    }

    @Test
    void theCommittedListIsWhatTheBuildGenerated() throws Exception {
        assertThat(GENERATED).as("run the build (mvn generate-resources) first").isRegularFile();
        assertThat(Files.readString(COMMITTED)).as("dependencies changed: cp %s THIRD-PARTY", GENERATED).isEqualTo(Files.readString(GENERATED));
    }

    @Test
    void everyRuntimeDependencyIsListedWithAnApacheCompatibleLicense() throws Exception {
        List<Entry> entries = entries(Files.readString(GENERATED));
        assertThat(entries).hasSizeGreaterThanOrEqualTo(5);
        for (Entry e : entries) {
            assertThat(compatible(e.licenses())).as("%s:%s under %s", e.groupId(), e.artifactId(), e.licenses()).isTrue();
        }
        // every dependency the POM declares for run time (independent of the plugin's own resolution)
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        NodeList deps = ((Element) pom.getElementsByTagName("dependencies").item(0)).getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            NodeList scope = d.getElementsByTagName("scope");
            if (scope.getLength() > 0 && scope.item(0).getTextContent().equals("test")) continue;
            String g = d.getElementsByTagName("groupId").item(0).getTextContent(), a = d.getElementsByTagName("artifactId").item(0).getTextContent();
            assertThat(entries).as("%s:%s in THIRD-PARTY", g, a).anyMatch(e -> e.groupId().equals(g) && e.artifactId().equals(a));
        }
    }

    @Test
    void theLineFormatIsReadAndGplOnlyIsRefused() {
        List<Entry> e = entries("  [MIT, GPL-2.0] x y (org.a:b-c:1.0 - https://z)\n  [Apache-2.0] q (g:h:2)\n  [GNU General Public License (GPL)] s (j:k:3)\n");
        assertThat(e).containsExactly(new Entry(List.of("MIT", "GPL-2.0"), "org.a", "b-c"), new Entry(List.of("Apache-2.0"), "g", "h"),
                new Entry(List.of("GNU General Public License (GPL)"), "j", "k"));
        assertThat(e.stream().map(x -> compatible(x.licenses()))).containsExactly(true, true, false);
    }
}
