package io.styxy.server.plugins;

import io.styxy.api.ServiceType;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.api.spi.ServiceTypeProvider;
import io.styxy.server.plugins.Contributions.ObserverContribution;
import io.styxy.server.plugins.Contributions.TypeContribution;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads one plugin directory into a module layer of its own, child of the daemon's layer, and takes the providers
 * of that layer only. Whatever goes wrong comes back as a failed outcome with one line of reason; nothing thrown by
 * plugin code escapes, and plugin code runs on a thread of its own under a deadline.
 */
final class PluginLoader {

    private static final Pattern PLUGIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern OBSERVER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,49}");
    /** Ports below this need root; no plugin type may reach into them. */
    static final int LOWEST_PORT = 1024;

    private static final Pattern MISSING_MODULE = Pattern.compile("Module (\\S+) not found");

    private static final String TYPE_SPI = ServiceTypeProvider.class.getName();
    private static final String OBSERVER_SPI = PortObserverProvider.class.getName();

    private final ModuleLayer parent;
    private final Duration deadline;

    PluginLoader(ModuleLayer parent, Duration deadline) {
        this.parent = parent;
        this.deadline = deadline;
    }

    /**
     * What became of one plugin directory.
     *
     * @param plugin    its line in the report
     * @param types     its service types (empty when it failed)
     * @param observers its observer providers (empty when it failed)
     * @param warnings  problems that did not stop it
     */
    record Outcome(PluginReport.Plugin plugin, List<TypeContribution> types, List<ObserverContribution> observers,
                   List<String> warnings) {

        boolean loaded() {
            return PluginReport.LOADED.equals(plugin.status());
        }
    }

    /** A reason to skip the plugin. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    /** What the providers of a layer gave. */
    private record Collected(List<TypeContribution> types, List<ObserverContribution> observers) {
    }

    Outcome load(String name, Path dir) {
        String directory = dir.toAbsolutePath().toString();
        List<PluginReport.ModuleRow> modules = List.of();
        String version = null;
        String spi = null;
        List<String> warnings = new ArrayList<>();
        try {
            if (!PLUGIN_NAME.matcher(name).matches()) {
                throw new Failure("a plugin directory's name must be letters, digits, '.', '-' and '_' (at most 64),"
                        + " starting with a letter or digit; rename the directory");
            }
            if (!hasJar(dir)) {
                throw new Failure("no .jar file in " + directory + "; put the plugin's jar, and every jar it needs"
                        + " that the daemon does not have, in that directory");
            }
            ModuleFinder finder = ModuleFinder.of(dir);
            Set<ModuleReference> found;
            try {
                found = finder.findAll();
            } catch (FindException e) {
                throw new Failure("its jars cannot be read as modules: " + oneLine(messageWithCauses(e)));
            }
            List<ModuleReference> refs = found.stream()
                    .sorted(Comparator.comparing(r -> r.descriptor().name())).toList();
            modules = refs.stream().map(r -> new PluginReport.ModuleRow(r.descriptor().name(),
                    ModuleFacts.version(r), r.descriptor().isAutomatic(), ModuleFacts.location(r))).toList();
            for (ModuleReference ref : refs) {
                String module = ref.descriptor().name();
                if (isDaemonModule(module)) {
                    throw new Failure("contains module " + module + " (" + ModuleFacts.location(ref) + "), which the"
                            + " daemon provides itself; delete that jar from the plugin directory (a plugin must use"
                            + " the daemon's copy, so scope styxy-api as provided)");
                }
            }
            List<ModuleReference> providing = refs.stream().filter(PluginLoader::providesStyxyService).toList();
            if (providing.isEmpty()) {
                throw new Failure("provides neither " + TYPE_SPI + " nor " + OBSERVER_SPI + ": a modular jar needs"
                        + " 'provides " + TYPE_SPI + " with <class>;' in module-info.java, a plain jar needs the file"
                        + " META-INF/services/" + TYPE_SPI + " (or …/" + OBSERVER_SPI + ") naming its class");
            }
            version = ModuleFacts.version(providing.getFirst());
            for (ModuleReference ref : providing) {
                String module = ref.descriptor().name();
                String declared = ModuleFacts.attribute(ref, SpiVersion.ATTRIBUTE);
                String refusal = SpiVersion.refusal(module, declared, ServiceTypeProvider.SPI_VERSION);
                if (refusal != null) {
                    throw new Failure(refusal);
                }
                if (declared == null) {
                    warnings.add("plugin " + name + ": module " + module + " declares no " + SpiVersion.ATTRIBUTE
                            + " in its jar's manifest; taken as SPI " + SpiVersion.ASSUMED_WHEN_MISSING
                            + " (add the attribute, see docs/plugins.md)");
                } else if (spi == null) {
                    spi = declared;
                }
            }
            Set<String> roots = new TreeSet<>();
            refs.forEach(r -> roots.add(r.descriptor().name()));
            ModuleLayer layer = defineLayer(finder, roots, directory);
            Collected collected = withDeadline(name, layer, () -> collect(name, layer));
            if (collected.types().isEmpty() && collected.observers().isEmpty()) {
                warnings.add("plugin " + name + ": its providers define no service type and no observer");
            }
            PluginReport.Plugin plugin = new PluginReport.Plugin(name, directory, PluginReport.LOADED, null,
                    version, spi, modules, collected.types().stream().map(t -> t.type().name()).toList(),
                    collected.observers().stream().map(ObserverContribution::name).toList());
            return new Outcome(plugin, collected.types(), collected.observers(), warnings);
        } catch (Failure f) {
            return failed(name, directory, f.getMessage(), version, spi, modules, warnings);
        } catch (IOException | RuntimeException e) {
            return failed(name, directory, "cannot be loaded: " + describe(e, m -> false), version, spi, modules,
                    warnings);
        }
    }

    static Outcome failed(String name, String directory, String reason, String version, String spi,
                          List<PluginReport.ModuleRow> modules, List<String> warnings) {
        return new Outcome(new PluginReport.Plugin(name, directory, PluginReport.FAILED, reason, version, spi,
                modules, List.of(), List.of()), List.of(), List.of(), warnings);
    }

    private static boolean hasJar(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p));
        }
    }

    /** A module of Styxy itself that is in the daemon's layer: a plugin must read it, never bring its own. */
    private boolean isDaemonModule(String module) {
        String api = ServiceTypeProvider.class.getModule().getName();
        if (module.equals(api)) {
            return true;
        }
        return module.startsWith("io.styxy.") && parent.findModule(module).isPresent();
    }

    private static boolean providesStyxyService(ModuleReference ref) {
        return ref.descriptor().provides().stream().map(ModuleDescriptor.Provides::service)
                .anyMatch(s -> s.equals(TYPE_SPI) || s.equals(OBSERVER_SPI));
    }

    private ModuleLayer defineLayer(ModuleFinder finder, Set<String> roots, String directory) throws Failure {
        Configuration cf;
        try {
            cf = Configuration.resolveAndBind(finder, List.of(parent.configuration()), ModuleFinder.of(), roots);
        } catch (FindException e) {
            String message = oneLine(messageWithCauses(e));
            java.util.regex.Matcher missing = MISSING_MODULE.matcher(message);
            String hint = "";
            if (missing.find()) {
                String module = missing.group(1);
                hint = ModuleFinder.ofSystem().find(module).isPresent()
                        ? "; " + module + " is a JDK module the daemon does not load: start the daemon with"
                        + " JDK_JAVA_OPTIONS=--add-modules=" + module
                        : "; put the missing module's jar in " + directory;
            }
            throw new Failure("cannot be resolved: " + message + hint);
        } catch (ResolutionException e) {
            String message = oneLine(messageWithCauses(e));
            throw new Failure("cannot be resolved: " + message + (message.contains(" contains package ")
                    ? "; a plugin may not contain a package the daemon's modules already have (do not shade"
                    + " styxy-api or the daemon's libraries into the plugin jar)" : ""));
        }
        try {
            // The platform loader as parent: a plugin sees the JDK and the modules it reads, not the class path.
            return ModuleLayer.defineModulesWithOneLoader(cf, List.of(parent), ClassLoader.getPlatformClassLoader())
                    .layer();
        } catch (LayerInstantiationException e) {
            throw new Failure("cannot be defined as a module layer: " + oneLine(messageWithCauses(e)));
        }
    }

    /** Runs plugin code on a thread of its own; a plugin that blocks is skipped once the deadline passes. */
    private <T> T withDeadline(String name, ModuleLayer layer, Callable<T> work) throws Failure {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = Thread.ofPlatform().daemon(true).name("styxy-plugin-" + name).unstarted(task);
        layer.modules().stream().findFirst().ifPresent(m -> thread.setContextClassLoader(m.getClassLoader()));
        thread.start();
        try {
            return task.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            thread.interrupt();
            throw new Failure("did not finish loading within " + seconds(deadline) + " (a provider's constructor,"
                    + " name(), serviceTypes(), priority() or availability() blocks); make them return at once");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Failure f) {
                throw f;
            }
            throw new Failure("failed while its providers were loaded: " + describe(e.getCause(), inLayer(layer)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("loading was interrupted");
        }
    }

    private Collected collect(String name, ModuleLayer layer) throws Failure {
        String source = "plugin:" + name;
        Predicate<String> inLayer = inLayer(layer);
        List<TypeContribution> types = new ArrayList<>();
        Set<String> typeNames = new HashSet<>();
        for (ServiceLoader.Provider<ServiceTypeProvider> p : providers(layer, ServiceTypeProvider.class, inLayer)) {
            String cls = p.type().getName();
            ServiceTypeProvider provider = call(cls, "constructor", p::get, inLayer);
            String providerName = call(cls, "name()", provider::name, inLayer);
            if (providerName == null || providerName.isBlank()) {
                throw new Failure(cls + ".name() returned " + (providerName == null ? "null" : "a blank name")
                        + "; return a short stable name");
            }
            List<ServiceType> list = call(cls, "serviceTypes()", () -> {
                List<ServiceType> answer = provider.serviceTypes();
                return answer == null ? null : new ArrayList<>(answer);
            }, inLayer);
            if (list == null) {
                throw new Failure(cls + ".serviceTypes() returned null; return an empty list instead");
            }
            String module = ModuleFacts.moduleName(p.type());
            String version = ModuleFacts.version(p.type());
            for (ServiceType type : list) {
                checkType(cls, type, typeNames);
                types.add(new TypeContribution(type, source, providerName, module, version));
            }
        }
        List<ObserverContribution> observers = new ArrayList<>();
        Set<String> observerNames = new HashSet<>();
        for (ServiceLoader.Provider<PortObserverProvider> p : providers(layer, PortObserverProvider.class, inLayer)) {
            String cls = p.type().getName();
            PortObserverProvider provider = call(cls, "constructor", p::get, inLayer);
            String observerName = call(cls, "name()", provider::name, inLayer);
            if (observerName == null || !OBSERVER_NAME.matcher(observerName).matches()) {
                throw new Failure(cls + ".name() returned " + (observerName == null ? "null" : "\"" + observerName
                        + "\"") + "; an observer name must be letters, digits, '.', '-' and '_' (at most 50)");
            }
            if (!observerNames.add(observerName)) {
                throw new Failure("provides two observers named \"" + observerName + "\"");
            }
            int priority = call(cls, "priority()", provider::priority, inLayer);
            Availability availability = call(cls, "availability()", provider::availability, inLayer);
            if (availability == null) {
                throw new Failure(cls + ".availability() returned null; return Availability.unusable(reason)");
            }
            observers.add(new ObserverContribution(provider, observerName, source, ModuleFacts.moduleName(p.type()),
                    ModuleFacts.version(p.type()), priority, availability));
        }
        return new Collected(types, observers);
    }

    private static void checkType(String cls, ServiceType type, Set<String> seen) throws Failure {
        if (type == null) {
            throw new Failure(cls + ".serviceTypes() returned a list holding null");
        }
        if (type.range().start() < LOWEST_PORT) {
            throw new Failure("service type \"" + type.name() + "\" has port range " + type.range() + ": ports below "
                    + LOWEST_PORT + " need root; give it a range from " + LOWEST_PORT + " to 65535");
        }
        if (!seen.add(type.name())) {
            throw new Failure("defines service type \"" + type.name() + "\" twice");
        }
    }

    /** The providers whose class is in {@code layer} itself, not in a parent layer (the daemon's own). */
    private static <S> List<ServiceLoader.Provider<S>> providers(ModuleLayer layer, Class<S> service,
                                                                 Predicate<String> inLayer) throws Failure {
        try {
            return ServiceLoader.load(layer, service).stream()
                    .filter(p -> p.type().getModule().getLayer() == layer)
                    .toList();
        } catch (ServiceConfigurationError e) {
            throw new Failure("its " + service.getSimpleName() + " cannot be loaded: " + describe(e, inLayer));
        }
    }

    @FunctionalInterface
    private interface PluginCall<T> {
        T call();
    }

    /** Calls plugin code; anything it throws becomes a failure naming the class and the call. */
    private static <T> T call(String cls, String what, PluginCall<T> code, Predicate<String> inLayer)
            throws Failure {
        try {
            return code.call();
        } catch (VirtualMachineError e) {
            if (e instanceof StackOverflowError) {
                throw new Failure(cls + " " + what + " overflowed the stack");
            }
            throw e;
        } catch (Throwable t) {
            throw new Failure(cls + " " + what + " threw " + describe(t, inLayer));
        }
    }

    private static Predicate<String> inLayer(ModuleLayer layer) {
        Set<String> names = new HashSet<>();
        layer.modules().forEach(m -> names.add(m.getName()));
        return names::contains;
    }

    /**
     * {@code SimpleName: message (at Class.method(File.java:12))}: the exception a provider threw, unwrapped from the
     * service loader's wrapper, with the first stack frame of plugin code.
     */
    static String describe(Throwable t, Predicate<String> pluginModule) {
        Throwable root = t;
        while ((root instanceof ServiceConfigurationError || root instanceof InvocationTargetException
                || root instanceof ExecutionException) && root.getCause() != null) {
            root = root.getCause();
        }
        String type = root.getClass().getName();
        if (type.startsWith("java.") || type.startsWith("javax.")) {
            type = root.getClass().getSimpleName();
        }
        StringBuilder sb = new StringBuilder(type);
        if (root.getMessage() != null) {
            sb.append(": ").append(root.getMessage());
        }
        for (StackTraceElement frame : root.getStackTrace()) {
            if (frame.getModuleName() != null && pluginModule.test(frame.getModuleName())) {
                sb.append(" (at ").append(frame.getClassName()).append('.').append(frame.getMethodName()).append('(')
                        .append(frame.getFileName()).append(':').append(frame.getLineNumber()).append("))");
                break;
            }
        }
        return oneLine(sb.toString());
    }

    private static String messageWithCauses(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
