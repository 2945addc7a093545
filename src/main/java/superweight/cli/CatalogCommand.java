package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.analysis.Catalog;
import superweight.analysis.SuperWeight;
import superweight.report.AnalysisJson;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = "List the published super weights (layer, row, col of mlp.down_proj) per model, with their sources.")
final class CatalogCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: {\"sources\": {...}, \"models\": [{\"id\", \"aliases\", \"sources\", \"super_weights\"}]}.")
    boolean json;

    @Override
    public Integer call() {
        Catalog c = Catalog.published();
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("sources", c.sourceDescriptions());
            r.put("models", c.entries().stream().map(e -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", e.modelId());
                m.put("aliases", e.aliases());
                m.put("sources", e.sources());
                m.put("super_weights", AnalysisJson.superWeights(e.superWeights()).stream().map(sw -> {
                    sw.remove("value");
                    return sw;
                }).toList());
                return m;
            }).toList());
            Cli.printJson(o, r);
            return 0;
        }
        TextTable t = new TextTable("model", "super weights (layer, row, col)", "sources");
        for (Catalog.Entry e : c.entries()) {
            t.row(e.modelId(), String.join(" ", e.superWeights().stream().map(SuperWeight::coordinates).toList()), String.join(", ", e.sources()));
        }
        o.print(t);
        o.println();
        c.sourceDescriptions().forEach((k, v) -> o.println(k + ": " + v));
        o.flush();
        return 0;
    }
}
