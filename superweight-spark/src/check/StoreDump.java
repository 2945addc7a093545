import java.sql.DriverManager;

/**
 * Prints a run store's stored results, one sorted line per zero-shot item and per perplexity window, so that two
 * stores compare with diff (bin/standalone-check). Run as a source file: java -cp duckdb_jdbc.jar StoreDump.java FILE
 */
public class StoreDump {
    private static final String[] QUERIES = {
        "SELECT 'item ' || model || '|' || condition || '|' || task || '|' || settings || '#' || item || ' ' || scores FROM eval_items",
        "SELECT 'window ' || model || '|' || condition || '|' || dataset || '|' || settings || '#' || window_index || ' ' || CAST(nll AS VARCHAR) FROM ppl_windows",
    };

    public static void main(String[] args) throws Exception {
        try (var c = DriverManager.getConnection("jdbc:duckdb:" + args[0]); var s = c.createStatement()) {
            for (String q : QUERIES) {
                try (var rs = s.executeQuery(q + " ORDER BY 1")) {
                    while (rs.next()) System.out.println(rs.getString(1));
                }
            }
        }
    }
}
