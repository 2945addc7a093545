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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Reads data-set files into JSON records: JSON lines, JSON arrays, plain lines, and Parquet/JSON through DuckDB.
 * Data sets come from strangers, so every reader holds a file to caps before it allocates: its size on disk, the
 * length of one line or record, the number of records, and for tables (which may be gzipped) the decoded size.
 * The largest built-in data set is far below them (a C4 validation shard: 40 MB gzipped, 45,576 records).
 */
public final class Documents {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Bytes a data set file may have on disk, and characters of JSON a table may decode to. */
    static final long MAX_FILE_BYTES = 1L << 30;
    /** Characters of one line or one record. */
    static final int MAX_LINE_CHARS = 16 << 20;
    /** Records (or lines) of one file. */
    static final int MAX_RECORDS = 1 << 20;

    private Documents() {
    }

    /** One JSON object per non-blank line; a malformed line is reported with file and line number. */
    public static List<JsonNode> jsonLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        eachLine(file, (n, line) -> {
            if (line.isBlank()) return;
            try {
                JsonNode node = JSON.readTree(line);
                if (!node.isObject()) throw new SuperweightException(file + ":" + n + ": expected a JSON object, found " + node.getNodeType());
                out.add(node);
            } catch (JsonProcessingException e) {
                throw new SuperweightException(file + ":" + n + ": malformed JSON (" + e.getOriginalMessage() + ")");
            }
            checkRecords(file, out.size());
        });
        return out;
    }

    /** A file holding one JSON array of objects. */
    public static List<JsonNode> jsonArray(Path file) {
        checkSize(file);
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new SuperweightException(file + ": malformed JSON at line " + e.getLocation().getLineNr() + " (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isArray()) throw new SuperweightException(file + ": expected a JSON array of records");
        checkRecords(file, root.size());
        List<JsonNode> out = new ArrayList<>();
        root.forEach(out::add);
        return out;
    }

    /** Every line of a UTF-8 text file (terminators as {@link BufferedReader#readLine}: \n, \r or \r\n). */
    public static List<String> lines(Path file) {
        List<String> out = new ArrayList<>();
        eachLine(file, (n, line) -> {
            out.add(line);
            checkRecords(file, out.size());
        });
        return out;
    }

    public static String text(Path file) {
        checkSize(file);
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
     * read with DuckDB; nested columns (lists, structs) become JSON arrays and objects. The rows are counted first
     * (from Parquet metadata, or a scan that keeps nothing), and each row's JSON and their sum are capped while
     * they stream in, so a gzip bomb stops at the cap.
     */
    public static List<JsonNode> table(Path file) {
        checkSize(file);
        String name = file.getFileName().toString();
        String reader = name.endsWith(".parquet") ? "read_parquet" : "read_json_auto";
        String source = reader + "('" + file.toAbsolutePath().toString().replace("'", "''") + "') t";
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = RunStore.connect("jdbc:duckdb:", streaming());
             Statement s = c.createStatement()) {
            try (ResultSet count = s.executeQuery("SELECT count(*) FROM " + source)) {
                count.next();
                checkRecords(file, count.getLong(1));
            }
            long chars = 0;
            try (ResultSet rs = s.executeQuery("SELECT to_json(t)::VARCHAR FROM " + source)) {
                while (rs.next()) {
                    String row = rs.getString(1);
                    if (row.length() > MAX_LINE_CHARS) {
                        throw new SuperweightException(file + ": record " + (out.size() + 1) + " has " + row.length()
                                + " characters of JSON, more than the " + MAX_LINE_CHARS + " a record may have");
                    }
                    chars += row.length();
                    if (chars > MAX_FILE_BYTES) {
                        throw new SuperweightException(file + ": decodes to more than " + MAX_FILE_BYTES
                                + " characters of JSON (the cap of a data set)");
                    }
                    out.add(JSON.readTree(row));
                }
            }
        } catch (SQLException e) {
            throw new SuperweightException(file + ": cannot read as a table (" + firstLine(e.getMessage()) + ")", e);
        } catch (JsonProcessingException e) {
            throw new SuperweightException(file + ": DuckDB returned malformed JSON (" + e.getOriginalMessage() + ")", e);
        }
        return out;
    }

    private static Properties streaming() {
        Properties p = new Properties();
        p.setProperty("jdbc_stream_results", "true");   // rows arrive in chunks, not all materialized first
        return p;
    }

    private interface LineConsumer {
        void accept(int lineNumber, String line);
    }

    /**
     * Calls {@code each} with every line of a UTF-8 file, never holding more than {@link #MAX_LINE_CHARS} of one
     * line (BufferedReader.readLine would build a line of any length first).
     */
    private static void eachLine(Path file, LineConsumer each) {
        checkSize(file);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            char[] buf = new char[1 << 16];
            int n = 0, got;
            boolean open = false, afterCr = false;
            while ((got = r.read(buf)) >= 0) {
                for (int i = 0; i < got; i++) {
                    char ch = buf[i];
                    if (ch == '\n' && afterCr) {
                        afterCr = false;
                        continue;
                    }
                    afterCr = ch == '\r';
                    if (ch == '\n' || ch == '\r') {
                        each.accept(++n, line.toString());
                        line.setLength(0);
                        open = false;
                    } else if (line.length() == MAX_LINE_CHARS) {
                        throw new SuperweightException(file + ":" + (n + 1) + ": a line longer than " + MAX_LINE_CHARS
                                + " characters (the cap of a data set line)");
                    } else {
                        line.append(ch);
                        open = true;
                    }
                }
            }
            if (open) each.accept(++n, line.toString());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new SuperweightException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void checkSize(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (size > MAX_FILE_BYTES) {
            throw new SuperweightException(file + ": " + size + " bytes, more than the " + MAX_FILE_BYTES + " a data set file may have");
        }
    }

    private static void checkRecords(Path file, long records) {
        if (records > MAX_RECORDS) {
            throw new SuperweightException(file + ": more than " + MAX_RECORDS + " records (the cap of a data set file)");
        }
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
