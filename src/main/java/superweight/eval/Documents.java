package superweight.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads data-set files into JSON records: JSON lines, JSON arrays, plain lines, and Parquet/JSON through DuckDB. */
public final class Documents {
    static final ObjectMapper JSON = new ObjectMapper();

    private Documents() {
    }

    /** One JSON object per non-blank line; a malformed line is reported with file and line number. */
    public static List<JsonNode> jsonLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                try {
                    JsonNode node = JSON.readTree(line);
                    if (!node.isObject()) throw new SuperweightException(file + ":" + n + ": expected a JSON object, found " + node.getNodeType());
                    out.add(node);
                } catch (JsonProcessingException e) {
                    throw new SuperweightException(file + ":" + n + ": malformed JSON (" + e.getOriginalMessage() + ")");
                }
            }
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return out;
    }

    /** A file holding one JSON array of objects. */
    public static List<JsonNode> jsonArray(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new SuperweightException(file + ": malformed JSON at line " + e.getLocation().getLineNr() + " (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isArray()) throw new SuperweightException(file + ": expected a JSON array of records");
        List<JsonNode> out = new ArrayList<>();
        root.forEach(out::add);
        return out;
    }

    public static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new SuperweightException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Every row of a Parquet file (or JSON / JSON-lines, optionally gzipped) as a JSON object, in file order,
     * read with DuckDB; nested columns (lists, structs) become JSON arrays and objects.
     */
    public static List<JsonNode> table(Path file) {
        String name = file.getFileName().toString();
        String reader = name.endsWith(".parquet") ? "read_parquet" : "read_json_auto";
        String path = file.toAbsolutePath().toString().replace("'", "''");
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_json(t)::VARCHAR FROM " + reader + "('" + path + "') t")) {
            while (rs.next()) out.add(JSON.readTree(rs.getString(1)));
        } catch (SQLException e) {
            throw new SuperweightException(file + ": cannot read as a table (" + firstLine(e.getMessage()) + ")", e);
        } catch (JsonProcessingException e) {
            throw new SuperweightException(file + ": DuckDB returned malformed JSON (" + e.getOriginalMessage() + ")", e);
        }
        return out;
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
