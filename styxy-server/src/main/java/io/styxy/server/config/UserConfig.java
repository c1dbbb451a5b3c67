package io.styxy.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.styxy.api.InstanceBehavior;
import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.server.engine.AutoRangePolicy;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.json.JsonValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code $STYXY_HOME/config.json}: the user's overrides, in the original's keys.
 *
 * <pre>{@code
 * { "service_types": { "dev": { "port_range": [3000, 3199], "preferred_ports": [3000], "instance_behavior": "multi",
 *                               "description": "…", "examples": ["…"] } },
 *   "auto_allocation": { "enabled": true, "default_chunk_size": 10, "placement": "after", "min_port": 10000,
 *                        "max_port": 49151, "gap_size": 10 },
 *   "auto_allocation_rules": { "monitoring-*": { "chunk_size": 20 } },
 *   "durability": "normal", "observer": "procfs",
 *   "instances": { "heartbeat_interval_seconds": 30, "missed_heartbeats": 3 } }
 * }</pre>
 *
 * Every error names the file, the key and the fix. Service types are merged per field over the built-ins.
 */
public final class UserConfig {

    /** A key that is not in the document, told apart from one whose value is {@code null}. */
    private static final Object MISSING = new Object();

    /** One user entry under {@code service_types}; null fields keep the built-in value. */
    public record TypeOverride(String name, PortRange range, List<Integer> preferredPorts, InstanceBehavior behavior,
                               String description, List<String> examples, boolean autoAllocated) {
    }

    private final Path file;
    private final Map<String, TypeOverride> serviceTypes;
    private final AutoRangePolicy autoRanges;
    private final String durability;
    private final String observer;
    private final Duration heartbeatInterval;
    private final int missedHeartbeats;
    private final Map<String, String> observerOptions;

    private UserConfig(Path file, Map<String, TypeOverride> serviceTypes, AutoRangePolicy autoRanges,
                       String durability, String observer, Duration heartbeatInterval, int missedHeartbeats,
                       Map<String, String> observerOptions) {
        this.file = file;
        this.serviceTypes = serviceTypes;
        this.autoRanges = autoRanges;
        this.durability = durability;
        this.observer = observer;
        this.heartbeatInterval = heartbeatInterval;
        this.missedHeartbeats = missedHeartbeats;
        this.observerOptions = observerOptions;
    }

    /** Reads and validates the file; a missing file means "no overrides". */
    public static UserConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return parse(file, "{}");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + "); check its permissions");
        }
        return parse(file, text);
    }

    public static UserConfig parse(Path file, String text) throws ConfigException {
        Object document;
        try {
            document = text.isBlank() ? Map.of() : JsonValues.parse(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage()
                    + "; fix the syntax or move the file away");
        }
        Map<String, Object> root = JsonValues.asObject(document);
        if (root == null) {
            throw new ConfigException(file + ": the top level must be a JSON object");
        }
        Reader r = new Reader(file);
        Map<String, TypeOverride> types = r.serviceTypes(path(root, "service_types"));
        AutoRangePolicy auto = r.autoRanges(path(root, "auto_allocation"), path(root, "auto_allocation_rules"));
        String durability = r.durability(path(root, "durability"));
        String observer = r.optionalText(path(root, "observer"), "observer");
        Object inst = path(root, "instances");
        int interval = r.intInRange(path(inst, "heartbeat_interval_seconds"), "instances.heartbeat_interval_seconds",
                1, 86_400, 30);
        int missed = r.intInRange(path(inst, "missed_heartbeats"), "instances.missed_heartbeats", 1, 1000, 3);
        Map<String, String> observerOptions = r.observerOptions(path(root, "observers"));
        return new UserConfig(file, types, auto, durability, observer, Duration.ofSeconds(interval), missed,
                observerOptions);
    }

    public Path file() {
        return file;
    }

    public Map<String, TypeOverride> serviceTypes() {
        return serviceTypes;
    }

    public AutoRangePolicy autoRanges() {
        return autoRanges;
    }

    /** {@code "normal"} (survives a crash of the daemon) or {@code "full"} (fsync on every commit). */
    public String durability() {
        return durability;
    }

    /** The observer named in config, or {@code null}. */
    public String observer() {
        return observer;
    }

    /** {@code observers.<name>.<key>} as {@code <name>.<key>} → text value, for the observer of that name. */
    public Map<String, String> observerOptions() {
        return observerOptions;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    public int missedHeartbeats() {
        return missedHeartbeats;
    }

    /**
     * The catalog: {@code base} (plugins over built-ins, already ordered by precedence) with the user's entries
     * merged over them field by field.
     */
    public List<CatalogEntry> mergeOver(List<CatalogEntry> base) throws ConfigException {
        Map<String, CatalogEntry> merged = new LinkedHashMap<>();
        for (CatalogEntry entry : base) {
            merged.put(entry.type().name(), entry);
        }
        for (TypeOverride o : serviceTypes.values()) {
            CatalogEntry existing = merged.get(o.name());
            String key = "service_types." + o.name();
            try {
                if (existing == null) {
                    if (o.range() == null) {
                        throw new ConfigException(file + ": " + key + ".port_range is required for a new service"
                                + " type; add e.g. \"port_range\": [12000, 12019]");
                    }
                    merged.put(o.name(), new CatalogEntry(new ServiceType(o.name(), o.description(), o.range(),
                            o.preferredPorts() == null ? firstPorts(o.range()) : o.preferredPorts(), o.behavior(),
                            o.examples()), o.autoAllocated() ? "auto" : "user"));
                } else {
                    ServiceType b = existing.type();
                    PortRange range = o.range() == null ? b.range() : o.range();
                    List<Integer> preferred = o.preferredPorts() != null ? o.preferredPorts()
                            : b.preferredPorts().stream().filter(range::contains).toList();
                    if (preferred.isEmpty()) {
                        preferred = firstPorts(range);
                    }
                    merged.put(o.name(), new CatalogEntry(new ServiceType(o.name(),
                            o.description() == null ? b.description() : o.description(), range, preferred,
                            o.behavior() == null ? b.instanceBehavior() : o.behavior(),
                            o.examples() == null ? b.examples() : o.examples()), "user"));
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": " + key + ": " + e.getMessage());
            }
        }
        return List.copyOf(merged.values());
    }

    /** Problems that do not stop the daemon: overlapping ranges, ranges inside the kernel's ephemeral range. */
    public static List<String> warnings(List<CatalogEntry> catalog, PortRange ephemeral) {
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < catalog.size(); i++) {
            ServiceType a = catalog.get(i).type();
            if (ephemeral != null && a.range().overlaps(ephemeral)) {
                warnings.add("service type \"" + a.name() + "\" range " + a.range() + " overlaps the kernel's"
                        + " ephemeral range " + ephemeral + ": outgoing connections may take its ports; move it below "
                        + ephemeral.start());
            }
            for (int j = i + 1; j < catalog.size(); j++) {
                ServiceType b = catalog.get(j).type();
                if (a.range().overlaps(b.range())) {
                    warnings.add("service types \"" + a.name() + "\" (" + a.range() + ", " + catalog.get(i).source()
                            + ") and \"" + b.name() + "\" (" + b.range() + ", " + catalog.get(j).source()
                            + ") overlap; give one of them another port_range");
                }
            }
        }
        return warnings;
    }

    private static List<Integer> firstPorts(PortRange range) {
        List<Integer> ports = new ArrayList<>();
        for (int p = range.start(); p <= range.end() && ports.size() < 4; p++) {
            ports.add(p);
        }
        return ports;
    }

    /**
     * The file's document (plain values, {@link JsonValues}) with one service type added or replaced, for
     * auto-allocated types; {@code root} itself is left as it is.
     */
    static Map<String, Object> withServiceType(Object root, ServiceType type, String autoAllocatedAt) {
        Map<String, Object> old = JsonValues.asObject(root);
        Map<String, Object> copy = old == null ? new LinkedHashMap<>() : new LinkedHashMap<>(old);
        Map<String, Object> oldTypes = JsonValues.asObject(copy.get("service_types"));
        Map<String, Object> types = oldTypes == null ? new LinkedHashMap<>() : new LinkedHashMap<>(oldTypes);
        copy.put("service_types", types);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("description", type.description());
        t.put("port_range", List.of(type.range().start(), type.range().end()));
        t.put("preferred_ports", List.copyOf(type.preferredPorts()));
        t.put("instance_behavior", type.instanceBehavior().configName());
        t.put("multi_instance_pattern", "sequential");
        t.put("examples", List.of());
        t.put("auto_allocated", true);
        t.put("auto_allocated_at", autoAllocatedAt);
        types.put(type.name(), t);
        return copy;
    }

    /** {@code node.key}: its value (maybe {@code null}), or {@link #MISSING} when node has no such key. */
    private static Object path(Object node, String key) {
        Map<String, Object> object = JsonValues.asObject(node);
        return object != null && object.containsKey(key) ? object.get(key) : MISSING;
    }

    private static boolean absent(Object node) {
        return node == MISSING || node == null;
    }

    /** A scalar as text: a string as itself, a number or boolean as written; an object or a list has none. */
    private static String scalarText(Object node) {
        return node instanceof Map || node instanceof List ? "" : String.valueOf(node);
    }

    /** The document's text of a value, for error messages. */
    private static String show(Object node) {
        return node == MISSING ? "nothing" : JsonValues.text(node);
    }

    /** A flag the daemon itself writes ({@code auto_allocated}), read leniently: true, "true" or a non-zero number. */
    private static boolean looseBoolean(Object node) {
        return switch (node) {
            case Boolean b -> b;
            case String s -> s.strip().equals("true");
            case Integer i -> i != 0;
            case Long l -> l != 0;
            case null, default -> false;
        };
    }

    /** Reads typed values and names the key in every error. */
    private record Reader(Path file) {

        ConfigException error(String key, String problem) {
            return new ConfigException(file + ": " + key + ": " + problem);
        }

        Map<String, TypeOverride> serviceTypes(Object node) throws ConfigException {
            Map<String, TypeOverride> types = new LinkedHashMap<>();
            if (absent(node)) {
                return types;
            }
            Map<String, Object> object = JsonValues.asObject(node);
            if (object == null) {
                throw error("service_types", "must be an object of service type name -> settings");
            }
            for (Map.Entry<String, Object> e : object.entrySet()) {
                String name = e.getKey();
                String key = "service_types." + name;
                if (!ServiceType.isValidName(name)) {
                    throw error(key, "a service type name must be letters, digits and dashes (at most 50)");
                }
                Map<String, Object> t = JsonValues.asObject(e.getValue());
                if (t == null) {
                    throw error(key, "must be an object with port_range, preferred_ports, …");
                }
                if (t.containsKey("range") && !t.containsKey("port_range")) {
                    throw error(key + ".range", "the key is \"port_range\"; rename \"range\" to \"port_range\"");
                }
                PortRange range = t.containsKey("port_range") ? portRange(t.get("port_range"), key + ".port_range") : null;
                List<Integer> preferred = t.containsKey("preferred_ports")
                        ? ports(t.get("preferred_ports"), key + ".preferred_ports") : null;
                InstanceBehavior behavior = null;
                if (t.containsKey("instance_behavior")) {
                    try {
                        behavior = InstanceBehavior.fromConfigName(scalarText(t.get("instance_behavior")));
                    } catch (IllegalArgumentException ex) {
                        throw error(key + ".instance_behavior", ex.getMessage());
                    }
                }
                String description = t.containsKey("description") ? text(t.get("description"), key + ".description") : null;
                List<String> examples = t.containsKey("examples") ? strings(t.get("examples"), key + ".examples") : null;
                boolean auto = looseBoolean(t.get("auto_allocated"));
                types.put(name, new TypeOverride(name, range, preferred, behavior, description, examples, auto));
            }
            return types;
        }

        PortRange portRange(Object node, String key) throws ConfigException {
            int start;
            int end;
            List<Object> pair = JsonValues.asArray(node);
            if (pair != null && pair.size() == 2 && JsonValues.isInt(pair.get(0)) && JsonValues.isInt(pair.get(1))) {
                start = (Integer) pair.get(0);
                end = (Integer) pair.get(1);
            } else if (node instanceof String s && s.matches("\\d{1,5}-\\d{1,5}")) {
                String[] parts = s.split("-");
                start = Integer.parseInt(parts[0]);
                end = Integer.parseInt(parts[1]);
            } else {
                throw error(key, "expected [start, end] such as [3000, 3099], got " + show(node));
            }
            if (start < 1024 || end > 65_535 || start > end) {
                throw error(key, "expected 1024 <= start <= end <= 65535, got [" + start + ", " + end + "]");
            }
            return PortRange.of(start, end);
        }

        List<Integer> ports(Object node, String key) throws ConfigException {
            List<Object> items = JsonValues.asArray(node);
            if (items == null) {
                throw error(key, "expected a list of ports such as [3000, 3001], got " + show(node));
            }
            List<Integer> ports = new ArrayList<>();
            for (Object p : items) {
                if (!(p instanceof Integer port) || port < 1024 || port > 65_535) {
                    throw error(key, "every port must be a number from 1024 to 65535, got " + show(p));
                }
                ports.add(port);
            }
            return ports;
        }

        List<String> strings(Object node, String key) throws ConfigException {
            List<Object> items = JsonValues.asArray(node);
            if (items == null) {
                throw error(key, "expected a list of strings");
            }
            List<String> list = new ArrayList<>();
            for (Object s : items) {
                list.add(text(s, key));
            }
            return list;
        }

        String text(Object node, String key) throws ConfigException {
            if (!(node instanceof String s)) {
                throw error(key, "expected a string, got " + show(node));
            }
            return s;
        }

        String optionalText(Object node, String key) throws ConfigException {
            return absent(node) ? null : text(node, key);
        }

        int intInRange(Object node, String key, int min, int max, int fallback) throws ConfigException {
            if (absent(node)) {
                return fallback;
            }
            if (!(node instanceof Integer value) || value < min || value > max) {
                throw error(key, "expected a whole number from " + min + " to " + max + ", got " + show(node));
            }
            return value;
        }

        boolean bool(Object node, String key, boolean fallback) throws ConfigException {
            if (absent(node)) {
                return fallback;
            }
            if (!(node instanceof Boolean value)) {
                throw error(key, "expected true or false, got " + show(node));
            }
            return value;
        }

        Map<String, String> observerOptions(Object node) throws ConfigException {
            Map<String, String> options = new LinkedHashMap<>();
            if (absent(node)) {
                return options;
            }
            Map<String, Object> observers = JsonValues.asObject(node);
            if (observers == null) {
                throw error("observers", "must be an object of observer name -> {option: value}");
            }
            for (Map.Entry<String, Object> e : observers.entrySet()) {
                Map<String, Object> opts = JsonValues.asObject(e.getValue());
                if (opts == null) {
                    throw error("observers." + e.getKey(), "must be an object of option -> value");
                }
                for (Map.Entry<String, Object> opt : opts.entrySet()) {
                    if (opt.getValue() instanceof Map || opt.getValue() instanceof List) {
                        throw error("observers." + e.getKey() + "." + opt.getKey(),
                                "expected a string, number or boolean");
                    }
                    options.put(e.getKey() + "." + opt.getKey(), scalarText(opt.getValue()));
                }
            }
            return options;
        }

        String durability(Object node) throws ConfigException {
            String value = optionalText(node, "durability");
            if (value == null) {
                return "normal";
            }
            if (!value.equals("normal") && !value.equals("full")) {
                throw error("durability", "expected \"normal\" or \"full\", got \"" + value + "\"");
            }
            return value;
        }

        AutoRangePolicy autoRanges(Object node, Object rules) throws ConfigException {
            AutoRangePolicy d = AutoRangePolicy.defaults();
            if (node != MISSING && JsonValues.asObject(node) == null) {
                throw error("auto_allocation", "must be an object");
            }
            boolean enabled = bool(path(node, "enabled"), "auto_allocation.enabled", d.enabled());
            int chunk = intInRange(path(node, "default_chunk_size"), "auto_allocation.default_chunk_size", 1, 1000,
                    d.defaultChunkSize());
            AutoRangePolicy.Placement placement = d.placement();
            String p = optionalText(path(node, "placement"), "auto_allocation.placement");
            if (p != null) {
                try {
                    placement = AutoRangePolicy.Placement.valueOf(p.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw error("auto_allocation.placement", "expected \"after\", \"before\" or \"smart\", got \""
                            + p + "\"");
                }
            }
            int min = intInRange(path(node, "min_port"), "auto_allocation.min_port", 1024, 65_535, d.minPort());
            int max = intInRange(path(node, "max_port"), "auto_allocation.max_port", 1024, 65_535, d.maxPort());
            if (min >= max) {
                throw error("auto_allocation.min_port", "must be below max_port (" + min + " >= " + max + ")");
            }
            boolean gaps = bool(path(node, "preserve_gaps"), "auto_allocation.preserve_gaps", true);
            int gap = intInRange(path(node, "gap_size"), "auto_allocation.gap_size", 0, 1000, d.gapSize());
            List<AutoRangePolicy.ChunkRule> chunkRules = new ArrayList<>(d.rules());
            if (!absent(rules)) {
                Map<String, Object> patterns = JsonValues.asObject(rules);
                if (patterns == null) {
                    throw error("auto_allocation_rules", "must be an object of pattern -> {\"chunk_size\": N}");
                }
                chunkRules.clear();
                for (Map.Entry<String, Object> e : patterns.entrySet()) {
                    String key = "auto_allocation_rules." + e.getKey();
                    chunkRules.add(new AutoRangePolicy.ChunkRule(e.getKey(),
                            intInRange(path(e.getValue(), "chunk_size"), key + ".chunk_size", 1, 1000, chunk)));
                }
            }
            return new AutoRangePolicy(enabled, chunk, placement, min, max, gaps ? gap : 0, chunkRules);
        }
    }
}
