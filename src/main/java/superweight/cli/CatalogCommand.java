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

    @Option(names = "--json", description = "Print one JSON object: {\"sources\": {...}, \"models\": [{\"id\", \"aliases\", "
            + "\"status\", \"note\", \"super_weights\": [{\"layer\", \"row\", \"col\", \"sources\"}], \"variants\": [...]}]}.")
    boolean json;

    @Override
    public Integer call() {
        Catalog c = Catalog.published();
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("sources", c.sourceDescriptions());
            r.put("models", c.entries().stream().map(CatalogCommand::entry).toList());
            Cli.printJson(o, r);
            return 0;
        }
        TextTable t = new TextTable("model", "status", "layer", "row", "col", "sources");
        for (Catalog.Entry e : c.entries()) {
            for (Catalog.Coordinate x : e.coordinates()) {
                SuperWeight w = x.weight();
                t.row(e.modelId(), e.status(), w.layer(), w.row(), w.col(), String.join(", ", x.sources()));
            }
            for (Catalog.Variant v : e.variants()) {
                SuperWeight w = v.coordinate().weight();
                t.row(e.modelId(), "variant of " + v.insteadOf().coordinates(), w.layer(), w.row(), w.col(), String.join(", ", v.coordinate().sources()));
            }
        }
        o.print(t);
        o.println();
        for (Catalog.Entry e : c.entries()) if (e.note() != null) o.println(e.modelId() + ": " + e.note());
        o.println();
        c.sourceDescriptions().forEach((k, v) -> o.println(k + ": " + v));
        o.flush();
        return 0;
    }

    private static Map<String, Object> entry(Catalog.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.modelId());
        m.put("aliases", e.aliases());
        m.put("status", e.status());
        m.put("note", e.note());
        m.put("super_weights", e.coordinates().stream().map(CatalogCommand::coordinate).toList());
        m.put("variants", e.variants().stream().map(v -> {
            Map<String, Object> x = coordinate(v.coordinate());
            x.put("instead_of", v.insteadOf().coordinates());
            return x;
        }).toList());
        return m;
    }

    private static Map<String, Object> coordinate(Catalog.Coordinate c) {
        Map<String, Object> m = AnalysisJson.superWeight(c.weight());
        m.remove("value");
        m.put("sources", c.sources());
        return m;
    }
}
