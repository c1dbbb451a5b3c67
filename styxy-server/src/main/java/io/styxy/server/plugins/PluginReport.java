package io.styxy.server.plugins;

import io.styxy.api.PortRange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the daemon loaded, from where, and what went wrong: every plugin, every service type and port observer with
 * its source and version, the conflicts between sources, and the plugins that were skipped with the reason.
 *
 * <p>Sources are {@code builtin}, {@code plugin:<name>}, {@code user} (config.json) and {@code auto} (auto-allocated
 * types). Precedence is user &gt; plugins &gt; built-ins; among plugins, the one loaded first wins (the {@code --plugins}
 * directory before {@code $STYXY_HOME/plugins}, each in name order).
 *
 * <p>{@link #toMap()} gives the report as plain maps and lists in snake_case, ready to be written as JSON by an
 * adapter that must not know this package.
 *
 * @param spiVersion  the SPI version this daemon implements ({@link io.styxy.api.spi.ServiceTypeProvider#SPI_VERSION})
 * @param directories the plugin directories that were scanned, in precedence order
 * @param plugins     every plugin directory found, loaded or not
 * @param serviceTypes every service type from every source, grouped by name; the active one is the one in use
 * @param observers   every port observer provider, built-in and from plugins
 * @param conflicts   same names from two sources, overlapping ranges
 * @param errors      the plugins that were skipped, each with the reason
 * @param warnings    problems that did not stop anything (a loose jar, a missing SPI declaration, …)
 */
public record PluginReport(int spiVersion, List<String> directories, List<Plugin> plugins,
                           List<TypeRow> serviceTypes, List<ObserverRow> observers, List<Conflict> conflicts,
                           List<Problem> errors, List<String> warnings) {

    /** {@code loaded}: its types and observers are in use. */
    public static final String LOADED = "loaded";
    /** {@code failed}: skipped; {@link Plugin#reason()} says why. */
    public static final String FAILED = "failed";

    public PluginReport {
        directories = List.copyOf(directories);
        plugins = List.copyOf(plugins);
        serviceTypes = List.copyOf(serviceTypes);
        observers = List.copyOf(observers);
        conflicts = List.copyOf(conflicts);
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    /**
     * One plugin directory.
     *
     * @param name        the directory's name; its types have source {@code plugin:<name>}
     * @param directory   absolute path
     * @param status      {@link #LOADED} or {@link #FAILED}
     * @param reason      why it failed, or {@code null}
     * @param version     version of the module that provides its services, or {@code null} when unknown
     * @param spiVersion  the {@code Styxy-SPI-Version} it declares, or {@code null} when it declares none
     * @param modules     the modules found in it (empty when they could not be read)
     * @param serviceTypes names of the service types it defines (empty when failed)
     * @param observers   names of the observers it provides (empty when failed)
     */
    public record Plugin(String name, String directory, String status, String reason, String version,
                         String spiVersion, List<ModuleRow> modules, List<String> serviceTypes,
                         List<String> observers) {
        public Plugin {
            Objects.requireNonNull(name, "name");
            modules = List.copyOf(modules);
            serviceTypes = List.copyOf(serviceTypes);
            observers = List.copyOf(observers);
        }
    }

    /**
     * A module inside a plugin.
     *
     * @param name      module name
     * @param version   module descriptor version or the jar's Implementation-Version, or {@code null}
     * @param automatic whether it is an automatic module (a plain jar)
     * @param jar       where it was read from
     */
    public record ModuleRow(String name, String version, boolean automatic, String jar) {
    }

    /**
     * A service type as one source defines it.
     *
     * @param name            type name
     * @param source          {@code builtin}, {@code plugin:<name>}, {@code user} or {@code auto}
     * @param version         version of the module that defines it, or {@code null} for {@code user}/{@code auto}
     * @param module          the defining module, or {@code null}
     * @param provider        the provider's {@code name()}, or {@code null}
     * @param range           its port range as this source defines it
     * @param preferredPorts  its preferred ports as this source defines it
     * @param instanceBehavior {@code single} or {@code multi}
     * @param active          whether this is the definition in use
     * @param overriddenBy    the source that wins over this one, or {@code null} when active
     */
    public record TypeRow(String name, String source, String version, String module, String provider,
                          PortRange range, List<Integer> preferredPorts, String instanceBehavior, boolean active,
                          String overriddenBy) {
        public TypeRow {
            preferredPorts = List.copyOf(preferredPorts);
        }
    }

    /**
     * A port observer provider.
     *
     * @param name       its {@code name()}
     * @param source     {@code builtin} or {@code plugin:<name>}
     * @param version    version of its module, or {@code null}
     * @param module     its module, or {@code null} on the class path
     * @param priority   its {@code priority()}
     * @param usable     what its {@code availability()} said when it was loaded
     * @param note       the availability's reason or note
     * @param active     whether it is offered to the daemon (false when another source took the name)
     * @param shadowedBy the source that took its name, or {@code null}
     */
    public record ObserverRow(String name, String source, String version, String module, int priority,
                              boolean usable, String note, boolean active, String shadowedBy) {
    }

    /** Kind of a {@link Conflict}: one type name defined by two sources. */
    public static final String SAME_NAME = "same_name";
    /** Kind of a {@link Conflict}: two active service types whose ranges overlap. */
    public static final String OVERLAPPING_RANGES = "overlapping_ranges";
    /** Kind of a {@link Conflict}: two observer providers with one name. */
    public static final String SAME_OBSERVER_NAME = "same_observer_name";

    /**
     * Two sources that collide.
     *
     * @param kind     {@link #SAME_NAME}, {@link #OVERLAPPING_RANGES} or {@link #SAME_OBSERVER_NAME}
     * @param severity {@code warning}, or {@code info} for a deliberate override in the user's config
     * @param names    the type (or observer) names involved: one for a same-name conflict, two for an overlap
     * @param sources  the sources involved, the winner first for a same-name conflict
     * @param winner   the source whose definition is used, or {@code null} for an overlap (both stay active)
     * @param message  one line for people
     */
    public record Conflict(String kind, String severity, List<String> names, List<String> sources, String winner,
                           String message) {
        public Conflict {
            names = List.copyOf(names);
            sources = List.copyOf(sources);
        }
    }

    /**
     * A plugin that was skipped.
     *
     * @param plugin    the plugin's name (its directory's name)
     * @param directory its directory
     * @param reason    one line: what is wrong and, where it helps, what to do
     */
    public record Problem(String plugin, String directory, String reason) {
    }

    /** Whether some plugin was skipped. */
    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** The report as JSON-ready maps and lists (snake_case keys; {@code null} for unknown values). */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("spi_version", spiVersion);
        map.put("directories", directories);
        map.put("plugins", plugins.stream().map(PluginReport::pluginMap).toList());
        map.put("service_types", serviceTypes.stream().map(PluginReport::typeMap).toList());
        map.put("observers", observers.stream().map(PluginReport::observerMap).toList());
        map.put("conflicts", conflicts.stream().map(PluginReport::conflictMap).toList());
        map.put("errors", errors.stream().map(e -> obj("plugin", e.plugin(), "directory", e.directory(),
                "reason", e.reason())).toList());
        map.put("warnings", warnings);
        map.put("checks", doctorChecks());
        return map;
    }

    /**
     * What {@code styxy doctor} should show, in the shape of the daemon's other checks ({@code name}, {@code status}
     * of {@code ok}/{@code warn}/{@code fail}, {@code detail}): one summary line, a {@code fail} for every skipped
     * plugin, a {@code warn} for every warning and for every same-name conflict of severity {@code warning}.
     * Overlapping ranges are left out: the config check already reports them.
     */
    public List<Map<String, Object>> doctorChecks() {
        List<Map<String, Object>> checks = new ArrayList<>();
        List<String> loaded = plugins.stream().filter(p -> LOADED.equals(p.status()))
                .map(p -> p.name() + (p.version() == null ? "" : " " + p.version())).toList();
        List<String> skipped = plugins.stream().filter(p -> !LOADED.equals(p.status())).map(Plugin::name).toList();
        if (plugins.isEmpty()) {
            checks.add(check("plugins", "ok", "none installed" + (directories.isEmpty() ? ""
                    : " (looked in " + String.join(", ", directories) + ")")));
        } else if (skipped.isEmpty()) {
            checks.add(check("plugins", "ok", loaded.size() + " loaded: " + String.join(", ", loaded)));
        } else {
            checks.add(check("plugins", "fail", skipped.size() + " of " + plugins.size() + " skipped ("
                    + String.join(", ", skipped) + ")" + (loaded.isEmpty() ? "" : "; loaded: "
                    + String.join(", ", loaded))));
        }
        for (Problem e : errors) {
            checks.add(check("plugin:" + e.plugin(), "fail", e.reason()
                    + (e.directory() == null ? "" : " (" + e.directory() + ")")));
        }
        for (String w : warnings) {
            checks.add(check("plugins", "warn", w));
        }
        for (Conflict c : conflicts) {
            if (!OVERLAPPING_RANGES.equals(c.kind()) && "warning".equals(c.severity())) {
                checks.add(check("plugin_conflict", "warn", c.message()));
            }
        }
        return checks;
    }

    private static Map<String, Object> check(String name, String status, String detail) {
        return obj("name", name, "status", status, "detail", detail);
    }

    private static Map<String, Object> pluginMap(Plugin p) {
        return obj("name", p.name(), "directory", p.directory(), "status", p.status(), "reason", p.reason(),
                "version", p.version(), "spi_version", p.spiVersion(),
                "modules", p.modules().stream().map(m -> obj("name", m.name(), "version", m.version(),
                        "automatic", m.automatic(), "jar", m.jar())).toList(),
                "service_types", p.serviceTypes(), "observers", p.observers());
    }

    private static Map<String, Object> typeMap(TypeRow t) {
        return obj("name", t.name(), "source", t.source(), "version", t.version(), "module", t.module(),
                "provider", t.provider(), "port_range", List.of(t.range().start(), t.range().end()),
                "preferred_ports", t.preferredPorts(), "instance_behavior", t.instanceBehavior(),
                "active", t.active(), "overridden_by", t.overriddenBy());
    }

    private static Map<String, Object> observerMap(ObserverRow o) {
        return obj("name", o.name(), "source", o.source(), "version", o.version(), "module", o.module(),
                "priority", o.priority(), "usable", o.usable(), "note", o.note(), "active", o.active(),
                "shadowed_by", o.shadowedBy());
    }

    private static Map<String, Object> conflictMap(Conflict c) {
        return obj("kind", c.kind(), "severity", c.severity(), "names", c.names(), "sources", c.sources(),
                "winner", c.winner(), "message", c.message());
    }

    /** An ordered map from alternating keys and values; values may be {@code null}. */
    private static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
