package org.mfgcal.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The set of configured regions, loaded from YAML.
 *
 * <p>File layout (every field except {@code id} and {@code zones} is optional, defaults in
 * {@link RegionConfig.Defaults}; durations in the syntax of {@link Durations}: {@code 15m}, {@code 1h}, {@code 1d},
 * {@code PT1H}, {@code P1D}):
 * <pre>
 * regions:
 *   - id: flights
 *     timeZone: America/Chicago
 *     stockSource: trips            # trips | counts
 *     binWidth: PT1H
 *     window: P1D
 *     allowedLateness: PT2H
 *     idleTimeout: PT30S
 *     maxFuture: P1D
 *     maxTripDuration: P1D
 *     maxCount: 1.0e9
 *     otherZone: External
 *     stations: {MDW: MDW}          # station id -> zone id
 *     zones:
 *       - {id: PHX, name: Phoenix, lat: 33.43, lon: -112.01, initialStock: 40, neighbours: [LAS]}
 * </pre>
 * Unknown keys (at the top level too) and keys given twice in one mapping are errors (a typo must not silently
 * fall back to a default, a second value must not silently replace the first). Every error names the file, the
 * path of the field and the bad value.
 *
 * <p>Contract: immutable; regions keep file order. Thread-safe.
 */
public final class RegionConfigs {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    private static final Set<String> TOP_KEYS = Set.of("regions");
    private static final Set<String> REGION_KEYS = Set.of("id", "timeZone", "stockSource", "binWidth", "window",
            "allowedLateness", "idleTimeout", "maxFuture", "maxTripDuration", "maxCount", "otherZone", "stations",
            "zones");
    private static final Set<String> ZONE_KEYS = Set.of("id", "name", "lat", "lon", "neighbours", "initialStock");

    private final Map<String, RegionConfig> byId;

    private RegionConfigs(Map<String, RegionConfig> byId) {
        this.byId = byId;
    }

    /** Regions from a list (ids must be unique). */
    public static RegionConfigs of(RegionConfig... regions) {
        return of(List.of(regions));
    }

    /** Regions from a list (ids must be unique). */
    public static RegionConfigs of(Collection<RegionConfig> regions) {
        Map<String, RegionConfig> m = new LinkedHashMap<>();
        for (RegionConfig r : regions) {
            if (m.put(r.id(), r) != null) {
                throw new IllegalArgumentException("duplicate region id '" + r.id() + "'");
            }
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException("at least one region must be configured");
        }
        return new RegionConfigs(java.util.Collections.unmodifiableMap(m));
    }

    /** Loads a YAML file. */
    public static RegionConfigs load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read region config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads a YAML resource from the class path (for example {@code data/flights/region-flights.yaml}). */
    public static RegionConfigs loadResource(String name) {
        try (InputStream in = RegionConfigs.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("region config resource '" + name + "' not found on the class path");
            }
            return parse(in, "classpath:" + name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read region config resource " + name, e);
        }
    }

    /** Loads {@code spec}: a file path, or {@code classpath:NAME} for a resource. */
    public static RegionConfigs loadSpec(String spec) {
        return spec.startsWith("classpath:") ? loadResource(spec.substring("classpath:".length())) : load(Path.of(spec));
    }

    /** Parses YAML text; {@code source} names it in error messages. */
    public static RegionConfigs parse(InputStream in, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(in);
        } catch (JacksonException e) {
            String line = e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                    : " line " + e.getLocation().getLineNr();
            throw new IllegalArgumentException(source + line + ": not valid YAML: " + Texts.clip(e.getOriginalMessage(), 300), e);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("regions").isArray()) {
            throw new IllegalArgumentException(source + ": expected a top-level 'regions:' list");
        }
        unknownKeys(root, TOP_KEYS, source);
        List<RegionConfig> out = new ArrayList<>();
        int i = 0;
        for (JsonNode r : root.get("regions")) {
            String path = source + ": regions[" + i++ + "]";
            try {
                out.add(region(r, path));
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(source) ? e : new IllegalArgumentException(path + ": " + e.getMessage(), e);
            }
        }
        try {
            return of(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static RegionConfig region(JsonNode r, String path) {
        if (!r.isObject()) {
            throw new IllegalArgumentException(path + ": expected a mapping, got " + Texts.clip(String.valueOf(r)));
        }
        unknownKeys(r, REGION_KEYS, path);
        String id = text(r, "id", path, true);
        List<Zone> zones = new ArrayList<>();
        JsonNode zs = r.get("zones");
        if (zs == null || !zs.isArray()) {
            throw new IllegalArgumentException(path + ": field 'zones' must be a list, got "
                    + Texts.clip(String.valueOf(zs)));
        }
        int j = 0;
        for (JsonNode z : zs) {
            String zp = path + ".zones[" + j++ + "]";
            if (!z.isObject()) {
                throw new IllegalArgumentException(zp + ": expected a mapping, got " + Texts.clip(String.valueOf(z)));
            }
            unknownKeys(z, ZONE_KEYS, zp);
            List<String> neighbours = new ArrayList<>();
            JsonNode ns = z.get("neighbours");
            if (ns != null && !ns.isNull()) {
                if (!ns.isArray()) {
                    throw new IllegalArgumentException(zp + ": field 'neighbours' must be a list, got "
                            + Texts.clip(String.valueOf(ns)));
                }
                ns.forEach(n -> neighbours.add(n.asText()));
            }
            zones.add(new Zone(text(z, "id", zp, true), text(z, "name", zp, false), number(z, "lat", zp),
                    number(z, "lon", zp), neighbours, orElse(number(z, "initialStock", zp), 0.0)));
        }
        Map<String, String> stations = new LinkedHashMap<>();
        JsonNode st = r.get("stations");
        if (st != null && !st.isNull()) {
            if (!st.isObject()) {
                throw new IllegalArgumentException(path + ": field 'stations' must be a mapping, got "
                        + Texts.clip(String.valueOf(st)));
            }
            for (Map.Entry<String, JsonNode> e : st.properties()) {
                stations.put(e.getKey(), e.getValue().asText());
            }
        }
        String tz = text(r, "timeZone", path, false);
        ZoneId zone;
        try {
            zone = tz == null ? null : ZoneId.of(tz);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(path + ": field 'timeZone' is not a time zone id, got '" + tz + "'", e);
        }
        String src = text(r, "stockSource", path, false);
        StockSource source;
        try {
            source = src == null ? null : StockSource.valueOf(src.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": field 'stockSource' must be trips or counts, got '" + src + "'", e);
        }
        Double maxCount = number(r, "maxCount", path);
        return new RegionConfig(id, zone, zones, stations, text(r, "otherZone", path, false), source,
                duration(r, "binWidth", path), duration(r, "window", path), duration(r, "allowedLateness", path),
                duration(r, "idleTimeout", path), duration(r, "maxFuture", path), duration(r, "maxTripDuration", path),
                maxCount == null ? RegionConfig.Defaults.MAX_COUNT : maxCount);
    }

    private static void unknownKeys(JsonNode n, Set<String> allowed, String path) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException(path + ": unknown field '" + k + "' (allowed: "
                        + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String text(JsonNode n, String field, String path, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(path + ": field '" + field + "' is required");
            }
            return null;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            throw new IllegalArgumentException(path + ": field '" + field + "' must be a string, got "
                    + Texts.clip(String.valueOf(v)));
        }
        return v.asText();
    }

    private static Double number(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(path + ": field '" + field + "' must be a number, got '" + v.asText() + "'", e);
            }
        }
        throw new IllegalArgumentException(path + ": field '" + field + "' must be a number, got "
                + Texts.clip(String.valueOf(v)));
    }

    private static Duration duration(JsonNode n, String field, String path) {
        String s = text(n, field, path, false);
        return s == null ? null : Durations.parse(path + ": field '" + field + "'", s);
    }

    private static double orElse(Double v, double d) {
        return v == null ? d : v;
    }

    /** The region with this id, or {@code null}. */
    public RegionConfig get(String id) {
        return byId.get(id);
    }

    /** The regions in file order. */
    public Collection<RegionConfig> all() {
        return byId.values();
    }

    /** The only region; fails when there are several. */
    public RegionConfig single() {
        if (byId.size() != 1) {
            throw new IllegalArgumentException("expected exactly one region, got " + byId.keySet());
        }
        return byId.values().iterator().next();
    }
}
