package io.styxy.server.plugins;

import io.styxy.api.ServiceType;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.api.spi.ServiceTypeProvider;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.plugins.Contributions.ObserverContribution;
import io.styxy.server.plugins.Contributions.TypeContribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The service types and port observers the daemon runs with: the built-ins of its own module layer, then the
 * third-party plugins, each plugin directory in a {@link ModuleLayer} of its own (child of the daemon's layer), only
 * that layer's providers taken.
 *
 * <p>A plugin directory is a subdirectory of a plugins directory ({@code $STYXY_HOME/plugins/<name>/}, and the
 * {@code --plugins DIR} directory the same way) holding the plugin's jar and the jars it needs: modular jars and plain
 * jars (automatic modules, which need their {@code META-INF/services} file) alike. A plugin that cannot be read,
 * resolved or instantiated, that throws, blocks, or defines a bad service type is skipped as a whole and reported
 * with its name and the reason; the daemon runs on.
 *
 * <p>Precedence: the user's config &gt; plugins &gt; built-ins. Among plugins the first loaded wins: the directories in
 * the order given, each one's plugins in name order. Every collision is kept for {@link #report}.
 */
public final class Plugins {

    private static final Logger LOG = Logger.getLogger(Plugins.class.getName());

    /** The longest a plugin's provider code may take to answer, all calls together, before it is skipped. */
    public static final Duration DEADLINE = Duration.ofSeconds(10);

    static final String BUILTIN = "builtin";

    private final List<String> directories;
    private final List<PluginLoader.Outcome> outcomes;
    private final List<TypeContribution> types;
    private final List<ObserverContribution> observers;
    private final List<PluginReport.Problem> errors;
    private final List<String> warnings;
    private final Map<String, TypeContribution> typeWinners;
    private final Map<String, ObserverContribution> observerWinners;
    private final List<PluginReport.Conflict> conflicts;

    private Plugins(List<String> directories, List<PluginLoader.Outcome> outcomes, List<TypeContribution> types,
                    List<ObserverContribution> observers, List<PluginReport.Problem> errors, List<String> warnings) {
        this.directories = List.copyOf(directories);
        this.outcomes = List.copyOf(outcomes);
        this.types = List.copyOf(types);
        this.observers = List.copyOf(observers);
        this.errors = List.copyOf(errors);
        this.warnings = List.copyOf(warnings);
        List<PluginReport.Conflict> found = new ArrayList<>();
        this.typeWinners = winners(this.types, t -> t.type().name(), TypeContribution::source, found,
                PluginReport.SAME_NAME, "service type");
        this.observerWinners = winners(this.observers, ObserverContribution::name, ObserverContribution::source,
                found, PluginReport.SAME_OBSERVER_NAME, "observer");
        this.conflicts = List.copyOf(found);
    }

    /**
     * Loads the built-ins and every plugin under {@code directories}, in that order of precedence (the first
     * directory wins a name). {@code null} entries are ignored, so an unset {@code --plugins} can be passed as is.
     * Logs what it loads and what it skips. Never throws for a plugin's sake.
     */
    public static Plugins load(Path... directories) {
        return load(Arrays.stream(directories).filter(Objects::nonNull).toList(), daemonLayer(), DEADLINE);
    }

    /** The built-ins alone. */
    public static Plugins builtinsOnly() {
        return load(List.of(), daemonLayer(), DEADLINE);
    }

    static Plugins load(List<Path> directories, ModuleLayer parent, Duration deadline) {
        List<String> scanned = new ArrayList<>();
        List<PluginLoader.Outcome> outcomes = new ArrayList<>();
        List<PluginReport.Problem> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<TypeContribution> types = new ArrayList<>();
        List<ObserverContribution> observers = new ArrayList<>();
        builtins(types, observers, errors);

        PluginLoader loader = new PluginLoader(parent, deadline);
        Map<String, String> loadedFrom = new HashMap<>();
        Set<Path> seenRoots = new LinkedHashSet<>();
        for (Path root : directories) {
            Path dir = canonical(root);
            if (!seenRoots.add(dir)) {
                continue;
            }
            scanned.add(dir.toString());
            if (!Files.isDirectory(dir)) {
                warnings.add("plugins directory " + dir + (Files.exists(dir) ? " is not a directory"
                        : " does not exist") + "; no plugins were loaded from it");
                continue;
            }
            List<Path> children;
            try (Stream<Path> list = Files.list(dir)) {
                children = list.sorted().toList();
            } catch (IOException e) {
                warnings.add("plugins directory " + dir + " cannot be read (" + e.getMessage() + ")");
                continue;
            }
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (!Files.isDirectory(child)) {
                    if (name.endsWith(".jar")) {
                        warnings.add(child + " is not inside a plugin directory and was not loaded; move it to "
                                + dir.resolve("<plugin-name>").resolve(name));
                    }
                    continue;
                }
                PluginLoader.Outcome outcome;
                if (loadedFrom.containsKey(name)) {
                    outcome = PluginLoader.failed(name, child.toString(), "a plugin named " + name
                            + " is already loaded from " + loadedFrom.get(name) + "; rename one of the two"
                            + " directories to load both", null, null, List.of(), List.of());
                } else {
                    outcome = loader.load(name, child);
                    loadedFrom.put(name, child.toString());
                }
                outcomes.add(outcome);
                warnings.addAll(outcome.warnings());
                if (outcome.loaded()) {
                    types.addAll(outcome.types());
                    observers.addAll(outcome.observers());
                } else {
                    errors.add(new PluginReport.Problem(name, outcome.plugin().directory(),
                            outcome.plugin().reason()));
                }
            }
        }
        Plugins plugins = new Plugins(scanned, outcomes, types, observers, errors, warnings);
        plugins.log();
        return plugins;
    }

    /** The layer the daemon itself is in: the parent of every plugin layer. */
    private static ModuleLayer daemonLayer() {
        ModuleLayer layer = Plugins.class.getModule().getLayer();
        return layer == null ? ModuleLayer.boot() : layer;
    }

    private static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs;
        }
    }

    /** The providers that came with the daemon: its own layer (or, on the class path, its class loader). */
    private static void builtins(List<TypeContribution> types, List<ObserverContribution> observers,
                                 List<PluginReport.Problem> errors) {
        for (ServiceLoader.Provider<ServiceTypeProvider> p : builtinProviders(ServiceTypeProvider.class, errors)) {
            try {
                ServiceTypeProvider provider = p.get();
                String module = ModuleFacts.moduleName(p.type());
                String version = ModuleFacts.version(p.type());
                for (ServiceType type : provider.serviceTypes()) {
                    types.add(new TypeContribution(type, BUILTIN, provider.name(), module, version));
                }
            } catch (RuntimeException | ServiceConfigurationError e) {
                errors.add(new PluginReport.Problem(BUILTIN, null, "built-in service type provider "
                        + p.type().getName() + " failed: " + PluginLoader.describe(e, m -> true)));
            }
        }
        for (ServiceLoader.Provider<PortObserverProvider> p : builtinProviders(PortObserverProvider.class, errors)) {
            try {
                PortObserverProvider provider = p.get();
                Availability availability = provider.availability();
                observers.add(new ObserverContribution(provider, provider.name(), BUILTIN,
                        ModuleFacts.moduleName(p.type()), ModuleFacts.version(p.type()), provider.priority(),
                        availability == null ? Availability.unusable("availability() returned null") : availability));
            } catch (RuntimeException | ServiceConfigurationError e) {
                errors.add(new PluginReport.Problem(BUILTIN, null, "built-in observer provider "
                        + p.type().getName() + " failed: " + PluginLoader.describe(e, m -> true)));
            }
        }
    }

    private static <S> List<ServiceLoader.Provider<S>> builtinProviders(Class<S> service,
                                                                        List<PluginReport.Problem> errors) {
        try {
            ServiceLoader<S> loader = Plugins.class.getModule().isNamed()
                    ? ServiceLoader.load(daemonLayer(), service)
                    : ServiceLoader.load(service, Plugins.class.getClassLoader());
            return loader.stream().toList();
        } catch (ServiceConfigurationError e) {
            errors.add(new PluginReport.Problem(BUILTIN, null, "built-in " + service.getSimpleName()
                    + " providers cannot be listed: " + PluginLoader.oneLine(String.valueOf(e.getMessage()))));
            return List.of();
        }
    }

    /**
     * One contribution per name: a plugin's wins over a built-in's, and among plugins (or among built-ins) the
     * first one wins. The first appearance of a name keeps its place. Records each collision in {@code conflicts}.
     */
    private static <C> Map<String, C> winners(List<C> all, Function<C, String> name, Function<C, String> source,
                                              List<PluginReport.Conflict> conflicts, String kind, String what) {
        Map<String, C> winners = new LinkedHashMap<>();
        Map<String, List<C>> byName = new LinkedHashMap<>();
        for (C c : all) {
            String n = name.apply(c);
            byName.computeIfAbsent(n, k -> new ArrayList<>()).add(c);
            C existing = winners.get(n);
            if (existing == null || (BUILTIN.equals(source.apply(existing)) && !BUILTIN.equals(source.apply(c)))) {
                winners.put(n, c);
            }
        }
        for (Map.Entry<String, List<C>> e : byName.entrySet()) {
            if (e.getValue().size() < 2) {
                continue;
            }
            C winner = winners.get(e.getKey());
            List<String> sources = new ArrayList<>();
            sources.add(source.apply(winner));
            e.getValue().stream().filter(c -> c != winner).map(source).forEach(sources::add);
            conflicts.add(new PluginReport.Conflict(kind, "warning", List.of(e.getKey()), sources, sources.getFirst(),
                    what + " \"" + e.getKey() + "\" is defined by " + inWords(sources) + "; "
                            + sources.getFirst() + "'s is used (" + rule(sources) + ")"));
        }
        return winners;
    }

    /** {@code a}, {@code a and b}, {@code a, b and c}. */
    private static String inWords(List<String> items) {
        if (items.size() < 2) {
            return String.join("", items);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.getLast();
    }

    /** Why the first of {@code sources} won, in words. */
    private static String rule(List<String> sources) {
        long builtins = sources.stream().filter(BUILTIN::equals).count();
        long plugins = sources.size() - builtins;
        if (plugins == 0) {
            return "the first built-in wins";
        }
        if (builtins == 0) {
            return "the plugin loaded first wins";
        }
        return plugins == 1 ? "plugins win over built-ins"
                : "plugins win over built-ins, and the plugin loaded first wins";
    }

    private void log() {
        for (PluginLoader.Outcome o : outcomes) {
            PluginReport.Plugin p = o.plugin();
            if (o.loaded()) {
                LOG.info("styxy: plugin " + p.name() + (p.version() == null ? "" : " " + p.version())
                        + " loaded from " + p.directory() + ": service types "
                        + (p.serviceTypes().isEmpty() ? "none" : String.join(", ", p.serviceTypes()))
                        + "; observers " + (p.observers().isEmpty() ? "none" : String.join(", ", p.observers())));
            }
        }
        for (PluginReport.Problem e : errors) {
            LOG.warning("styxy: plugin " + e.plugin() + " skipped: " + e.reason());
        }
        warnings.forEach(w -> LOG.warning("styxy: plugins: " + w));
        conflicts.forEach(c -> LOG.warning("styxy: plugins: " + c.message()));
    }

    /**
     * The service types below the user's config, one per name, in catalog order: built-ins, then plugin types,
     * a plugin's definition in place of a built-in of the same name. Hand this to {@code UserConfig.mergeOver}.
     */
    public List<CatalogEntry> serviceTypes() {
        return typeWinners.values().stream().map(c -> new CatalogEntry(c.type(), c.source())).toList();
    }

    /**
     * The observer providers, one per name: the built-ins, then the plugins' (a plugin's in place of a built-in of
     * the same name). Whether each is usable, and which to use, is for the caller to decide.
     */
    public List<PortObserverProvider> observerProviders() {
        return observerWinners.values().stream().map(ObserverContribution::provider).toList();
    }

    /** Names of the plugins that loaded, in load order. */
    public List<String> loadedPlugins() {
        return outcomes.stream().filter(PluginLoader.Outcome::loaded).map(o -> o.plugin().name()).toList();
    }

    /**
     * The report against the catalog in use ({@code Engine.catalog().entries()}): every type of every source with
     * the one in use marked active, the user's overrides, and ranges that overlap.
     */
    public PluginReport report(Collection<CatalogEntry> effective) {
        Map<String, CatalogEntry> inUse = new LinkedHashMap<>();
        effective.forEach(e -> inUse.put(e.type().name(), e));
        Map<String, List<TypeContribution>> byName = new LinkedHashMap<>();
        inUse.keySet().forEach(n -> byName.put(n, new ArrayList<>()));
        types.forEach(t -> byName.computeIfAbsent(t.type().name(), k -> new ArrayList<>()).add(t));

        List<PluginReport.TypeRow> rows = new ArrayList<>();
        List<PluginReport.Conflict> found = new ArrayList<>(conflicts);
        for (Map.Entry<String, List<TypeContribution>> e : byName.entrySet()) {
            String name = e.getKey();
            CatalogEntry used = inUse.get(name);
            TypeContribution winner = typeWinners.get(name);
            String activeSource = used == null ? null : used.source();
            boolean usedIsContribution = false;
            for (TypeContribution c : e.getValue()) {
                boolean active = c == winner && c.source().equals(activeSource);
                usedIsContribution |= active;
                String overriddenBy = active ? null : activeSource != null && !activeSource.equals(c.source())
                        ? activeSource : winner == null ? null : winner.source();
                rows.add(row(c.type(), c.source(), c.version(), c.module(), c.provider(), active, overriddenBy));
            }
            if (used != null && !usedIsContribution) {
                rows.add(row(used.type(), used.source(), null, null, null, true, null));
                if (winner != null) {
                    found.add(new PluginReport.Conflict(PluginReport.SAME_NAME, "info", List.of(name),
                            List.of(used.source(), winner.source()), used.source(),
                            "service type \"" + name + "\" from " + winner.source() + " is overridden by the "
                                    + ("auto".equals(used.source()) ? "auto-allocated type" : "user's config.json")
                                    + " (config wins over plugins and built-ins)"));
                }
            }
        }
        List<CatalogEntry> active = List.copyOf(inUse.values());
        for (int i = 0; i < active.size(); i++) {
            for (int j = i + 1; j < active.size(); j++) {
                CatalogEntry a = active.get(i);
                CatalogEntry b = active.get(j);
                if (a.type().range().overlaps(b.type().range())) {
                    found.add(new PluginReport.Conflict(PluginReport.OVERLAPPING_RANGES, "warning",
                            List.of(a.type().name(), b.type().name()), List.of(a.source(), b.source()), null,
                            "service types \"" + a.type().name() + "\" (" + a.type().range() + ", " + a.source()
                                    + ") and \"" + b.type().name() + "\" (" + b.type().range() + ", " + b.source()
                                    + ") overlap; give one of them another port_range in config.json"));
                }
            }
        }

        List<PluginReport.ObserverRow> observerRows = new ArrayList<>();
        for (ObserverContribution o : observers) {
            ObserverContribution winner = observerWinners.get(o.name());
            boolean isActive = winner == o;
            observerRows.add(new PluginReport.ObserverRow(o.name(), o.source(), o.version(), o.module(),
                    o.priority(), o.availability().usable(), o.availability().reason(), isActive,
                    isActive ? null : winner.source()));
        }
        return new PluginReport(ServiceTypeProvider.SPI_VERSION, directories,
                outcomes.stream().map(PluginLoader.Outcome::plugin).toList(), rows, observerRows, found, errors,
                warnings);
    }

    private static PluginReport.TypeRow row(ServiceType t, String source, String version, String module,
                                            String provider, boolean active, String overriddenBy) {
        return new PluginReport.TypeRow(t.name(), source, version, module, provider, t.range(), t.preferredPorts(),
                t.instanceBehavior().configName(), active, overriddenBy);
    }
}
