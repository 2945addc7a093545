package superweight.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.Map;
import java.util.TreeMap;

/** Test helper: a run store's contents, read while no other process holds it. */
final class Stores {
    private Stores() {
    }

    /** (model, condition, task, settings, item) -> scores. */
    static Map<String, String> items(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || task || '|' || settings || '#' || item, scores FROM eval_items");
    }

    /** (model, condition, task, item) -> when it was committed. */
    static Map<String, String> stamps(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || task || '#' || item, CAST(finished AS VARCHAR) FROM eval_items");
    }

    /** (model, condition, data set, settings, window) -> its summed NLL (every digit). */
    static Map<String, String> windows(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || dataset || '|' || settings || '#' || window_index, "
                + "CAST(nll AS VARCHAR) FROM ppl_windows");
    }

    /** (model, condition, data set, window) -> when it was committed. */
    static Map<String, String> windowStamps(Path store) throws Exception {
        return query(store, "SELECT model || '|' || condition || '|' || dataset || '#' || window_index, CAST(finished AS VARCHAR) FROM ppl_windows");
    }

    static int unitCount(Path store) throws Exception {
        return query(store, "SELECT unit, model FROM grid_units").size();
    }

    private static Map<String, String> query(Path store, String sql) throws Exception {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(store)) return out;
        try (var c = DriverManager.getConnection("jdbc:duckdb:" + store.toAbsolutePath()); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }
}
