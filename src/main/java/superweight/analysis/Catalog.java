package superweight.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Published super weight coordinates per model (the resource {@code catalog.json}), keyed by Hugging Face id,
 * with the sources each entry comes from. Lookup accepts the id, its repository name alone, or a known alias,
 * ignoring case and punctuation (so a checkpoint folder "llama-7b" or a GGUF general.name "Llama 2 7b Hf" match).
 */
public final class Catalog {
    private static final String RESOURCE = "catalog.json";

    /** One coordinate and the sources (keys of the catalog's source descriptions) that give it. */
    public record Coordinate(SuperWeight weight, List<String> sources) {
        public Coordinate {
            sources = List.copyOf(sources);
        }
    }

    /** A coordinate another source gives instead of {@code insteadOf} (shown, never used for ablations). */
    public record Variant(Coordinate coordinate, SuperWeight insteadOf) {
    }

    /**
     * One model: its super weights with their sources, variants, and a status: "published" (some source gives these
     * coordinates for this very model) or "inferred" (taken over from a related model), with a note saying why.
     */
    public record Entry(String modelId, List<String> aliases, String status, String note, List<Coordinate> coordinates,
                        List<Variant> variants) {
        public Entry {
            aliases = List.copyOf(aliases);
            coordinates = List.copyOf(coordinates);
            variants = List.copyOf(variants);
        }

        public List<SuperWeight> superWeights() {
            return coordinates.stream().map(Coordinate::weight).toList();
        }

        /** Every source any of its coordinates names, in order of first use. */
        public List<String> sources() {
            return coordinates.stream().flatMap(c -> c.sources().stream()).distinct().toList();
        }
    }

    /** How detected super weights compare with a catalog entry (coordinates only). */
    public record Agreement(String query, String modelId, List<SuperWeight> published, List<SuperWeight> confirmed,
                            List<SuperWeight> missed, List<SuperWeight> extra) {
        public boolean catalogued() {
            return modelId != null;
        }

        /** Every published super weight was found and nothing else. */
        public boolean exact() {
            return catalogued() && missed.isEmpty() && extra.isEmpty();
        }

        public String summary() {
            if (!catalogued()) return "no catalog entry for " + (query == null ? "this model" : "'" + query + "'") + " (use --model-id)";
            if (exact()) return "agrees with the catalog entry for " + modelId + " (" + confirmed.size() + " of " + published.size() + ")";
            return "differs from the catalog entry for " + modelId + ": " + confirmed.size() + " of " + published.size()
                    + " published found, missed " + coords(missed) + ", extra " + coords(extra);
        }

        private static String coords(List<SuperWeight> l) {
            return l.isEmpty() ? "none" : String.join(" ", l.stream().map(SuperWeight::coordinates).toList());
        }
    }

    private final Map<String, String> sourceDescriptions;
    private final List<Entry> entries;

    private Catalog(Map<String, String> sourceDescriptions, List<Entry> entries) {
        this.sourceDescriptions = sourceDescriptions;
        this.entries = entries;
    }

    /** The bundled catalog. */
    public static Catalog published() {
        try (InputStream in = Catalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new SuperweightException("super weight catalog resource " + RESOURCE + " is missing from the build");
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new SuperweightException("super weight catalog resource " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    static Catalog parse(JsonNode root) {
        Map<String, String> sources = new LinkedHashMap<>();
        root.path("sources").properties().forEach(e -> sources.put(e.getKey(), e.getValue().asText()));
        List<Entry> entries = new ArrayList<>();
        for (JsonNode m : root.path("models")) {
            List<Coordinate> coordinates = new ArrayList<>();
            for (JsonNode c : m.path("super_weights")) coordinates.add(coordinate(c));
            List<Variant> variants = new ArrayList<>();
            for (JsonNode v : m.path("variants")) variants.add(new Variant(coordinate(v), weight(v.path("instead_of"))));
            List<String> aliases = new ArrayList<>();
            m.path("aliases").forEach(a -> aliases.add(a.asText()));
            String note = m.hasNonNull("note") ? m.get("note").asText() : null;
            entries.add(new Entry(m.path("id").asText(), aliases, m.path("status").asText(), note, coordinates, variants));
        }
        return new Catalog(sources, List.copyOf(entries));
    }

    private static Coordinate coordinate(JsonNode c) {
        List<String> src = new ArrayList<>();
        c.path("sources").forEach(x -> src.add(x.asText()));
        return new Coordinate(weight(c.path("at")), src);
    }

    private static SuperWeight weight(JsonNode at) {
        return SuperWeight.at(at.get(0).asInt(), at.get(1).asInt(), at.get(2).asInt());
    }

    public List<Entry> entries() {
        return entries;
    }

    public Map<String, String> sourceDescriptions() {
        return java.util.Collections.unmodifiableMap(sourceDescriptions);
    }

    /** The entry for a model id, repository name, path-like name or alias, if any. */
    public Optional<Entry> find(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) return Optional.empty();
        String full = normalize(nameOrId);
        String last = normalize(lastComponent(nameOrId));
        for (Entry e : entries) {
            if (normalize(e.modelId()).equals(full)) return Optional.of(e);
        }
        for (Entry e : entries) {
            if (normalize(lastComponent(e.modelId())).equals(last)) return Optional.of(e);
            for (String a : e.aliases()) if (normalize(a).equals(last) || normalize(a).equals(full)) return Optional.of(e);
        }
        return Optional.empty();
    }

    public Agreement compare(String query, List<SuperWeight> detected) {
        Optional<Entry> e = find(query);
        if (e.isEmpty()) return new Agreement(query, null, List.of(), List.of(), List.of(), List.copyOf(detected));
        List<SuperWeight> published = e.get().superWeights();
        List<SuperWeight> confirmed = new ArrayList<>(), missed = new ArrayList<>(), extra = new ArrayList<>();
        for (SuperWeight p : published) {
            if (detected.stream().anyMatch(p::sameCoordinates)) confirmed.add(p);
            else missed.add(p);
        }
        for (SuperWeight d : detected) if (published.stream().noneMatch(d::sameCoordinates)) extra.add(d);
        return new Agreement(query, e.get().modelId(), published, confirmed, missed, extra);
    }

    private static String lastComponent(String s) {
        String t = s.replace('\\', '/');
        while (t.endsWith("/")) t = t.substring(0, t.length() - 1);
        int i = t.lastIndexOf('/');
        return i < 0 ? t : t.substring(i + 1);
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }
}
