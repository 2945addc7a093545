package superweight.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Finished items of evaluation runs in an embedded DuckDB file: one row per task item (table eval_items),
 * perplexity window (ppl_windows) or sentence embedding of an encoder (embeddings), keyed by model fingerprint, condition label, task or data set, settings
 * (everything else that changes the scores) and index. Every item is
 * committed as soon as it is scored, so an interrupted run loses nothing and a rerun skips what is there.
 * DuckDB lets one process at a time open a database file; a second process waits for it (see {@link #open}).
 * A store file is trusted input: DuckDB is native code that this project cannot fuzz, so only open stores this
 * tool created.
 */
public final class RunStore implements AutoCloseable {
    /** What identifies one run of one task; {@code settings} covers BOS, length, interventions and task version. */
    public record Key(String model, String condition, String task, String settings) {
    }

    /** A stored item: the digest of the requests it answered and their scores. */
    public record StoredItem(String requestsDigest, List<ChoiceScore> scores) {
    }

    private static final long LOCK_POLL_MILLIS = 200;
    /** How long a second process waits for the store by default (--store-wait): one hour. */
    public static final Duration DEFAULT_WAIT = Duration.ofHours(1);

    private final Connection db;
    private final String where;

    private RunStore(Connection db, String where) {
        this.db = db;
        this.where = where;
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS eval_items (model VARCHAR, condition VARCHAR, task VARCHAR, settings VARCHAR, "
                    + "item INTEGER, requests_sha VARCHAR NOT NULL, scores VARCHAR NOT NULL, finished TIMESTAMP DEFAULT current_timestamp, "
                    + "PRIMARY KEY (model, condition, task, settings, item))");
            s.execute("CREATE TABLE IF NOT EXISTS ppl_windows (model VARCHAR, condition VARCHAR, dataset VARCHAR, settings VARCHAR, "
                    + "window_index INTEGER, nll DOUBLE NOT NULL, finished TIMESTAMP DEFAULT current_timestamp, "
                    + "PRIMARY KEY (model, condition, dataset, settings, window_index))");
            s.execute("CREATE TABLE IF NOT EXISTS grid_units (unit VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, condition VARCHAR NOT NULL, "
                    + "task VARCHAR NOT NULL, settings VARCHAR NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS embeddings (model VARCHAR, condition VARCHAR, text_set VARCHAR, settings VARCHAR, "
                    + "item INTEGER, tokens_sha VARCHAR NOT NULL, vector BLOB NOT NULL, finished TIMESTAMP DEFAULT current_timestamp, "
                    + "PRIMARY KEY (model, condition, text_set, settings, item))");
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot create the run tables (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".cache", "superweight", "runs.duckdb");
    }

    /**
     * Opens (or creates) a store file, waiting up to {@link #DEFAULT_WAIT} for another process that holds it.
     */
    public static RunStore open(Path file) {
        return open(file, DEFAULT_WAIT);
    }

    /**
     * Opens (or creates) a store file. DuckDB lets one process at a time have it open; when another process holds
     * it (a second terminal evaluating on the default store), this one says so once on stderr and waits until the
     * holder closes it or exits (the lock is the operating system's, so a killed holder releases it at once), for
     * at most {@code wait}; then it gives up with one line, having written nothing.
     */
    public static RunStore open(Path file, Duration wait) {
        try {
            if (file.getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot create the directory of the run store (" + e.getMessage() + ")", e);
        }
        long since = 0;   // when the store was first found locked (the wait starts then, not while DuckDB starts up)
        boolean told = false;
        while (true) {
            try {
                return new RunStore(connect("jdbc:duckdb:" + file.toAbsolutePath(), new Properties()), file.toString());
            } catch (SQLException e) {
                String msg = Documents.firstLine(e.getMessage());
                if (!msg.contains("lock")) throw new SuperweightException(file + ": cannot open the run store: " + msg, e);
                if (!told && !wait.isZero()) {
                    System.err.println("note: " + file + " is in use by another process (" + msg + "); waiting for it to finish"
                            + " (at most " + wait.toSeconds() + " s, --store-wait)");
                    System.err.flush();
                    since = System.nanoTime();
                    told = true;
                }
                Duration waited = Duration.ofNanos(told ? System.nanoTime() - since : 0);
                if (waited.compareTo(wait) >= 0) {
                    throw new SuperweightException(file + ": still in use by another process after " + wait.toSeconds()
                            + " s of waiting (" + msg + "); nothing was written to it: wait for that run, give --store-wait "
                            + "more seconds, or use another --store");
                }
                sleep(Math.max(1, Math.min(LOCK_POLL_MILLIS, wait.minus(waited).toMillis())), file);
            }
        }
    }

    /**
     * A DuckDB connection. DuckDB's native library is unpacked into java.io.tmpdir when first used; if that fails
     * (a full or unwritable temporary folder) the driver's class cannot initialize, which is reported in one line
     * instead of as an Error with a stack trace.
     */
    static Connection connect(String url, Properties properties) throws SQLException {
        try {
            return DriverManager.getConnection(url, properties);
        } catch (ExceptionInInitializerError | NoClassDefFoundError | UnsatisfiedLinkError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new SuperweightException("cannot start DuckDB: its native library could not be loaded ("
                    + Documents.firstLine(String.valueOf(cause.getMessage())) + "); check that the temporary folder "
                    + System.getProperty("java.io.tmpdir") + " (java.io.tmpdir) is writable and has free space", e);
        }
    }

    private static void sleep(long millis, Path file) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new SuperweightException(file + ": interrupted while waiting for the run store", ie);
        }
    }

    /** A store that lives only as long as this object (for runs that should not persist). */
    public static RunStore inMemory() {
        try {
            return new RunStore(connect("jdbc:duckdb:", new Properties()), "in-memory run store");
        } catch (SQLException e) {
            throw new SuperweightException("cannot start DuckDB (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    /** Every finished item of a run, by item index. */
    public synchronized Map<Integer, StoredItem> finished(Key key) {
        Map<Integer, StoredItem> out = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT item, requests_sha, scores FROM eval_items WHERE model = ? AND condition = ? AND task = ? AND settings = ?")) {
            bind(ps, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), new StoredItem(rs.getString(2), decode(rs.getString(3))));
            }
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot read finished items (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
        return out;
    }

    /** Records a finished item, replacing a stored one for different requests. */
    public synchronized void put(Key key, int item, String requestsDigest, List<ChoiceScore> scores) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR REPLACE INTO eval_items (model, condition, task, settings, item, requests_sha, scores) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            bind(ps, key);
            ps.setInt(5, item);
            ps.setString(6, requestsDigest);
            ps.setString(7, encode(scores));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot record item " + item + " of " + key.task() + " ("
                    + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    /**
     * The key a grid's work unit (named canonically by the grid) filed its items under, or null before it committed
     * any: lets a driver see what a unit already finished without deriving its model (jobs).
     */
    public synchronized Key unitKey(String unit) {
        try (PreparedStatement ps = db.prepareStatement("SELECT model, condition, task, settings FROM grid_units WHERE unit = ?")) {
            ps.setString(1, unit);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Key(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)) : null;
            }
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot read grid units (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    public synchronized void putUnitKey(String unit, Key key) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR REPLACE INTO grid_units (unit, model, condition, task, settings) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, unit);
            ps.setString(2, key.model());
            ps.setString(3, key.condition());
            ps.setString(4, key.task());
            ps.setString(5, key.settings());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot record grid unit (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    /** The NLL sums of the finished perplexity windows of a run ({@code Key.task} = the data set), by window index. */
    public synchronized Map<Integer, Double> finishedWindows(Key key) {
        Map<Integer, Double> out = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT window_index, nll FROM ppl_windows WHERE model = ? AND condition = ? AND dataset = ? AND settings = ?")) {
            bind(ps, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), rs.getDouble(2));
            }
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot read finished windows (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
        return out;
    }

    public synchronized void putWindow(Key key, int window, double nllSum) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR IGNORE INTO ppl_windows (model, condition, dataset, settings, window_index, nll) VALUES (?, ?, ?, ?, ?, ?)")) {
            bind(ps, key);
            ps.setInt(5, window);
            ps.setDouble(6, nllSum);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot record window " + window + " of " + key.task() + " ("
                    + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    /** A stored sentence embedding: the digest of the token ids it embeds, and the vector. */
    public record StoredEmbedding(String tokensDigest, float[] vector) {
    }

    /** The finished embeddings of an encoder run ({@code Key.task} = the text set), by item index. */
    public synchronized Map<Integer, StoredEmbedding> finishedEmbeddings(Key key) {
        Map<Integer, StoredEmbedding> out = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT item, tokens_sha, vector FROM embeddings WHERE model = ? AND condition = ? AND text_set = ? AND settings = ?")) {
            bind(ps, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), new StoredEmbedding(rs.getString(2), floats(rs.getBytes(3))));
            }
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot read finished embeddings (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
        return out;
    }

    /** Records a finished embedding, replacing a stored one for other token ids. */
    public synchronized void putEmbedding(Key key, int item, String tokensDigest, float[] vector) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR REPLACE INTO embeddings (model, condition, text_set, settings, item, tokens_sha, vector) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            bind(ps, key);
            ps.setInt(5, item);
            ps.setString(6, tokensDigest);
            ps.setBytes(7, bytes(vector));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot record embedding " + item + " of " + key.task() + " ("
                    + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }

    /** Little-endian IEEE floats: the exact bits go in and come out. */
    private static byte[] bytes(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static float[] floats(byte[] bytes) {
        if (bytes.length % 4 != 0) throw new SuperweightException("run store: corrupt embedding of " + bytes.length + " bytes");
        float[] v = new float[bytes.length / 4];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /** A perplexity run's finished windows as a {@link Perplexity.WindowLog} backed by this store. */
    public Perplexity.WindowLog windowLog(Key key) {
        Map<Integer, Double> done = finishedWindows(key);
        return new Perplexity.WindowLog() {
            @Override
            public Double finished(int window) {
                return done.get(window);
            }

            @Override
            public void record(int window, double nllSum) {
                putWindow(key, window, nllSum);
            }
        };
    }

    private static void bind(PreparedStatement ps, Key key) throws SQLException {
        ps.setString(1, key.model());
        ps.setString(2, key.condition());
        ps.setString(3, key.task());
        ps.setString(4, key.settings());
    }

    /** [[log-likelihood, greedy, tokens], ...]; doubles are written in shortest round-trip form, so they read back exactly. */
    static String encode(List<ChoiceScore> scores) {
        ArrayNode a = Documents.JSON.createArrayNode();
        for (ChoiceScore s : scores) a.addArray().add(s.logLikelihood()).add(s.greedy()).add(s.tokens());
        return a.toString();
    }

    static List<ChoiceScore> decode(String json) {
        try {
            List<ChoiceScore> out = new ArrayList<>();
            for (JsonNode c : Documents.JSON.readTree(json)) out.add(new ChoiceScore(c.get(0).asDouble(), c.get(1).asBoolean(), c.get(2).asInt()));
            return out;
        } catch (JsonProcessingException e) {
            throw new SuperweightException("run store: corrupt item scores " + json, e);
        }
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new SuperweightException(where + ": cannot close (" + Documents.firstLine(e.getMessage()) + ")", e);
        }
    }
}
