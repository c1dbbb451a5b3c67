package io.styxy.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.styxy.api.InstanceBehavior;
import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.server.engine.AutoRangePolicy;
import io.styxy.server.engine.CatalogEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
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

    private static final ObjectMapper JSON = new ObjectMapper();

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
        JsonNode root;
        try {
            root = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage()
                    + "; fix the syntax or move the file away");
        }
        if (!root.isObject()) {
            throw new ConfigException(file + ": the top level must be a JSON object");
        }
        Reader r = new Reader(file);
        Map<String, TypeOverride> types = r.serviceTypes(root.path("service_types"));
        AutoRangePolicy auto = r.autoRanges(root.path("auto_allocation"), root.path("auto_allocation_rules"));
        String durability = r.durability(root.path("durability"));
        String observer = r.optionalText(root.path("observer"), "observer");
        JsonNode inst = root.path("instances");
        int interval = r.intInRange(inst.path("heartbeat_interval_seconds"), "instances.heartbeat_interval_seconds",
                1, 86_400, 30);
        int missed = r.intInRange(inst.path("missed_heartbeats"), "instances.missed_heartbeats", 1, 1000, 3);
        Map<String, String> observerOptions = r.observerOptions(root.path("observers"));
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

    /** Adds or replaces one service type in the file's JSON tree (used for auto-allocated types). */
    static ObjectNode withServiceType(JsonNode root, ServiceType type, String autoAllocatedAt) {
        ObjectNode copy = root != null && root.isObject() ? ((ObjectNode) root).deepCopy() : JSON.createObjectNode();
        ObjectNode types = copy.has("service_types") && copy.get("service_types").isObject()
                ? (ObjectNode) copy.get("service_types") : copy.putObject("service_types");
        ObjectNode t = types.putObject(type.name());
        t.put("description", type.description());
        t.putArray("port_range").add(type.range().start()).add(type.range().end());
        var preferred = t.putArray("preferred_ports");
        type.preferredPorts().forEach(preferred::add);
        t.put("instance_behavior", type.instanceBehavior().configName());
        t.put("multi_instance_pattern", "sequential");
        t.putArray("examples");
        t.put("auto_allocated", true);
        t.put("auto_allocated_at", autoAllocatedAt);
        return copy;
    }

    /** Reads typed values and names the key in every error. */
    private record Reader(Path file) {

        ConfigException error(String key, String problem) {
            return new ConfigException(file + ": " + key + ": " + problem);
        }

        Map<String, TypeOverride> serviceTypes(JsonNode node) throws ConfigException {
            Map<String, TypeOverride> types = new LinkedHashMap<>();
            if (node.isMissingNode() || node.isNull()) {
                return types;
            }
            if (!node.isObject()) {
                throw error("service_types", "must be an object of service type name -> settings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                String key = "service_types." + name;
                if (!ServiceType.isValidName(name)) {
                    throw error(key, "a service type name must be letters, digits and dashes (at most 50)");
                }
                JsonNode t = e.getValue();
                if (!t.isObject()) {
                    throw error(key, "must be an object with port_range, preferred_ports, …");
                }
                if (t.has("range") && !t.has("port_range")) {
                    throw error(key + ".range", "the key is \"port_range\"; rename \"range\" to \"port_range\"");
                }
                PortRange range = t.has("port_range") ? portRange(t.get("port_range"), key + ".port_range") : null;
                List<Integer> preferred = t.has("preferred_ports")
                        ? ports(t.get("preferred_ports"), key + ".preferred_ports") : null;
                InstanceBehavior behavior = null;
                if (t.has("instance_behavior")) {
                    try {
                        behavior = InstanceBehavior.fromConfigName(t.get("instance_behavior").asText());
                    } catch (IllegalArgumentException ex) {
                        throw error(key + ".instance_behavior", ex.getMessage());
                    }
                }
                String description = t.has("description") ? text(t.get("description"), key + ".description") : null;
                List<String> examples = t.has("examples") ? strings(t.get("examples"), key + ".examples") : null;
                boolean auto = t.path("auto_allocated").asBoolean(false);
                types.put(name, new TypeOverride(name, range, preferred, behavior, description, examples, auto));
            }
            return types;
        }

        PortRange portRange(JsonNode node, String key) throws ConfigException {
            int start;
            int end;
            if (node.isArray() && node.size() == 2 && node.get(0).isInt() && node.get(1).isInt()) {
                start = node.get(0).asInt();
                end = node.get(1).asInt();
            } else if (node.isTextual() && node.asText().matches("\\d{1,5}-\\d{1,5}")) {
                String[] parts = node.asText().split("-");
                start = Integer.parseInt(parts[0]);
                end = Integer.parseInt(parts[1]);
            } else {
                throw error(key, "expected [start, end] such as [3000, 3099], got " + node);
            }
            if (start < 1024 || end > 65_535 || start > end) {
                throw error(key, "expected 1024 <= start <= end <= 65535, got [" + start + ", " + end + "]");
            }
            return PortRange.of(start, end);
        }

        List<Integer> ports(JsonNode node, String key) throws ConfigException {
            if (!node.isArray()) {
                throw error(key, "expected a list of ports such as [3000, 3001], got " + node);
            }
            List<Integer> ports = new ArrayList<>();
            for (JsonNode p : node) {
                if (!p.isInt() || p.asInt() < 1024 || p.asInt() > 65_535) {
                    throw error(key, "every port must be a number from 1024 to 65535, got " + p);
                }
                ports.add(p.asInt());
            }
            return ports;
        }

        List<String> strings(JsonNode node, String key) throws ConfigException {
            if (!node.isArray()) {
                throw error(key, "expected a list of strings");
            }
            List<String> list = new ArrayList<>();
            for (JsonNode s : node) {
                list.add(text(s, key));
            }
            return list;
        }

        String text(JsonNode node, String key) throws ConfigException {
            if (!node.isTextual()) {
                throw error(key, "expected a string, got " + node);
            }
            return node.asText();
        }

        String optionalText(JsonNode node, String key) throws ConfigException {
            return node.isMissingNode() || node.isNull() ? null : text(node, key);
        }

        int intInRange(JsonNode node, String key, int min, int max, int fallback) throws ConfigException {
            if (node.isMissingNode() || node.isNull()) {
                return fallback;
            }
            if (!node.isInt() || node.asInt() < min || node.asInt() > max) {
                throw error(key, "expected a whole number from " + min + " to " + max + ", got " + node);
            }
            return node.asInt();
        }

        boolean bool(JsonNode node, String key, boolean fallback) throws ConfigException {
            if (node.isMissingNode() || node.isNull()) {
                return fallback;
            }
            if (!node.isBoolean()) {
                throw error(key, "expected true or false, got " + node);
            }
            return node.asBoolean();
        }

        Map<String, String> observerOptions(JsonNode node) throws ConfigException {
            Map<String, String> options = new LinkedHashMap<>();
            if (node.isMissingNode() || node.isNull()) {
                return options;
            }
            if (!node.isObject()) {
                throw error("observers", "must be an object of observer name -> {option: value}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isObject()) {
                    throw error("observers." + e.getKey(), "must be an object of option -> value");
                }
                for (Iterator<Map.Entry<String, JsonNode>> o = e.getValue().properties().iterator(); o.hasNext(); ) {
                    Map.Entry<String, JsonNode> opt = o.next();
                    if (!opt.getValue().isValueNode()) {
                        throw error("observers." + e.getKey() + "." + opt.getKey(),
                                "expected a string, number or boolean");
                    }
                    options.put(e.getKey() + "." + opt.getKey(), opt.getValue().asText());
                }
            }
            return options;
        }

        String durability(JsonNode node) throws ConfigException {
            String value = optionalText(node, "durability");
            if (value == null) {
                return "normal";
            }
            if (!value.equals("normal") && !value.equals("full")) {
                throw error("durability", "expected \"normal\" or \"full\", got \"" + value + "\"");
            }
            return value;
        }

        AutoRangePolicy autoRanges(JsonNode node, JsonNode rules) throws ConfigException {
            AutoRangePolicy d = AutoRangePolicy.defaults();
            if (!node.isMissingNode() && !node.isObject()) {
                throw error("auto_allocation", "must be an object");
            }
            boolean enabled = bool(node.path("enabled"), "auto_allocation.enabled", d.enabled());
            int chunk = intInRange(node.path("default_chunk_size"), "auto_allocation.default_chunk_size", 1, 1000,
                    d.defaultChunkSize());
            AutoRangePolicy.Placement placement = d.placement();
            String p = optionalText(node.path("placement"), "auto_allocation.placement");
            if (p != null) {
                try {
                    placement = AutoRangePolicy.Placement.valueOf(p.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw error("auto_allocation.placement", "expected \"after\", \"before\" or \"smart\", got \""
                            + p + "\"");
                }
            }
            int min = intInRange(node.path("min_port"), "auto_allocation.min_port", 1024, 65_535, d.minPort());
            int max = intInRange(node.path("max_port"), "auto_allocation.max_port", 1024, 65_535, d.maxPort());
            if (min >= max) {
                throw error("auto_allocation.min_port", "must be below max_port (" + min + " >= " + max + ")");
            }
            boolean gaps = bool(node.path("preserve_gaps"), "auto_allocation.preserve_gaps", true);
            int gap = intInRange(node.path("gap_size"), "auto_allocation.gap_size", 0, 1000, d.gapSize());
            List<AutoRangePolicy.ChunkRule> chunkRules = new ArrayList<>(d.rules());
            if (!rules.isMissingNode() && !rules.isNull()) {
                if (!rules.isObject()) {
                    throw error("auto_allocation_rules", "must be an object of pattern -> {\"chunk_size\": N}");
                }
                chunkRules.clear();
                for (Iterator<Map.Entry<String, JsonNode>> it = rules.properties().iterator(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String key = "auto_allocation_rules." + e.getKey();
                    chunkRules.add(new AutoRangePolicy.ChunkRule(e.getKey(),
                            intInRange(e.getValue().path("chunk_size"), key + ".chunk_size", 1, 1000, chunk)));
                }
            }
            return new AutoRangePolicy(enabled, chunk, placement, min, max, gaps ? gap : 0, chunkRules);
        }
    }
}
