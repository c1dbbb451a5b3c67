package io.styxy.server.plugins;

import io.styxy.api.spi.PortObserverProvider;
import io.styxy.api.spi.ServiceTypeProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A plugin jar made at test time: Java sources compiled with the JDK's own javac against the styxy-api the tests
 * run with, packed as a modular jar (with {@code module-info}) or a plain jar (an automatic module). Both kinds get
 * a {@code META-INF/services} file for each provider unless told otherwise, and {@code Styxy-SPI-Version: 1}.
 */
public final class TestPlugin {

    private final String jarName;
    private final String module;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, List<String>> provides = new LinkedHashMap<>();
    private final List<String> requires = new ArrayList<>();
    private final List<String> exports = new ArrayList<>();
    private final Map<String, String> manifest = new LinkedHashMap<>();
    private final List<Path> modulePath = new ArrayList<>();
    private String moduleVersion;
    private boolean servicesFile = true;

    private TestPlugin(String jarName, String module) {
        this.jarName = jarName;
        this.module = module;
        manifest.put("Styxy-SPI-Version", "1");
    }

    /** A modular jar: {@code module <module> { requires io.styxy.api; provides …; }}, file {@code <module>.jar}. */
    public static TestPlugin modular(String module) {
        return new TestPlugin(module + ".jar", module);
    }

    /** A plain jar without module-info: the daemon sees it as an automatic module named after the file. */
    public static TestPlugin plain(String jarName) {
        return new TestPlugin(jarName, null);
    }

    /** Adds a source file. */
    public TestPlugin source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Declares a provider (module-info {@code provides} and, unless turned off, {@code META-INF/services}). */
    public TestPlugin provides(Class<?> service, String implementation) {
        provides.computeIfAbsent(service.getName(), k -> new ArrayList<>()).add(implementation);
        return this;
    }

    /**
     * A service type provider named {@code providerName} whose types are given as {@code name:start-end}
     * (preferred port = start).
     */
    public TestPlugin typeProvider(String className, String providerName, String... types) {
        StringBuilder list = new StringBuilder();
        for (String spec : types) {
            String[] parts = spec.split("[:-]");
            if (!list.isEmpty()) {
                list.append(",\n                ");
            }
            list.append("new ServiceType(\"").append(parts[0]).append("\", \"").append(parts[0])
                    .append(" servers\", PortRange.of(").append(parts[1]).append(", ").append(parts[2])
                    .append("), List.of(").append(parts[1]).append("), InstanceBehavior.MULTI, List.of())");
        }
        return customTypeProvider(className, providerName, "return List.of(" + list + ");", "");
    }

    /** A service type provider with the given bodies for {@code serviceTypes()} and the constructor. */
    public TestPlugin customTypeProvider(String className, String providerName, String serviceTypesBody,
                                   String constructorBody) {
        int dot = className.lastIndexOf('.');
        String code = """
                package %s;

                import io.styxy.api.*;
                import io.styxy.api.spi.*;
                import java.util.List;

                public final class %s implements ServiceTypeProvider {
                    public %s() {
                        %s
                    }

                    @Override
                    public String name() {
                        return "%s";
                    }

                    @Override
                    public List<ServiceType> serviceTypes() {
                        %s
                    }
                }
                """.formatted(className.substring(0, dot), className.substring(dot + 1),
                className.substring(dot + 1), constructorBody, providerName, serviceTypesBody);
        return source(className, code).provides(ServiceTypeProvider.class, className);
    }

    /** A port observer provider that reports one TCP listener on {@code port}. */
    public TestPlugin observerProvider(String className, String observerName, int priority, int port) {
        int dot = className.lastIndexOf('.');
        String simple = className.substring(dot + 1);
        String code = """
                package %s;

                import io.styxy.api.*;
                import io.styxy.api.spi.*;
                import java.util.List;

                public final class %s implements PortObserverProvider {
                    public %s() {
                    }

                    @Override
                    public String name() {
                        return "%s";
                    }

                    @Override
                    public int priority() {
                        return %d;
                    }

                    @Override
                    public Availability availability() {
                        return Availability.usable("declares port %d");
                    }

                    @Override
                    public PortObserver create(ObserverConfig config) {
                        return () -> List.of(Listener.anonymous(Protocol.TCP, AddressFamily.IPV4, "0.0.0.0", %d));
                    }
                }
                """.formatted(className.substring(0, dot), simple, simple, observerName, priority, port, port);
        return source(className, code).provides(PortObserverProvider.class, className);
    }

    /** Exports a package (a library module; plugins export nothing). */
    public TestPlugin exports(String pkg) {
        exports.add(pkg);
        return this;
    }

    /** Requires a module, found at compile time in {@code where} ({@code null} for a JDK module). */
    public TestPlugin requires(String moduleName, Path where) {
        requires.add(moduleName);
        if (where != null) {
            modulePath.add(where);
        }
        return this;
    }

    /** The descriptor version ({@code javac --module-version}). */
    public TestPlugin version(String version) {
        this.moduleVersion = version;
        return this;
    }

    /** A main manifest attribute; {@code null} removes it. */
    public TestPlugin manifest(String name, String value) {
        if (value == null) {
            manifest.remove(name);
        } else {
            manifest.put(name, value);
        }
        return this;
    }

    /** Leaves out {@code META-INF/services}: a plain jar then provides nothing. */
    public TestPlugin withoutServicesFile() {
        servicesFile = false;
        return this;
    }

    /** Compiles and packs into {@code dir/<jar>}, creating {@code dir}. Returns the jar. */
    public Path writeTo(Path dir) {
        Path work = null;
        try {
            Files.createDirectories(dir);
            work = Files.createTempDirectory("styxy-test-plugin");
            Path src = work.resolve("src");
            Path classes = work.resolve("classes");
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-proc:none", "-nowarn",
                    "-encoding", "UTF-8"));
            List<Path> path = new ArrayList<>(modulePath);
            path.addFirst(apiLocation());
            String joined = String.join(java.io.File.pathSeparator, path.stream().map(Path::toString).toList());
            if (module != null) {
                args.addAll(List.of("--module-path", joined));
                if (moduleVersion != null) {
                    args.addAll(List.of("--module-version", moduleVersion));
                }
                Path info = src.resolve("module-info.java");
                Files.createDirectories(src);
                Files.writeString(info, moduleInfo());
                args.add(info.toString());
            } else {
                args.addAll(List.of("-cp", joined));
            }
            for (Map.Entry<String, String> s : sources.entrySet()) {
                Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, s.getValue());
                args.add(file.toString());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = ToolProvider.findFirst("javac").orElseThrow()
                    .run(new PrintWriter(out, true), new PrintWriter(out, true), args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("javac failed for " + jarName + ":\n" + out);
            }
            Path jar = dir.resolve(jarName);
            pack(classes, jar);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (work != null) {
                deleteTree(work);
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    private String moduleInfo() {
        StringBuilder sb = new StringBuilder("module ").append(module).append(" {\n    requires io.styxy.api;\n");
        requires.forEach(r -> sb.append("    requires ").append(r).append(";\n"));
        exports.forEach(e -> sb.append("    exports ").append(e).append(";\n"));
        provides.forEach((service, impls) -> sb.append("    provides ").append(service).append(" with ")
                .append(String.join(", ", impls)).append(";\n"));
        return sb.append("}\n").toString();
    }

    private void pack(Path classes, Path jar) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.forEach((k, v) -> mf.getMainAttributes().put(new Attributes.Name(k), v));
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, mf)) {
            if (servicesFile) {
                for (Map.Entry<String, List<String>> p : provides.entrySet()) {
                    out.putNextEntry(new JarEntry("META-INF/services/" + p.getKey()));
                    out.write((String.join("\n", p.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
                    out.closeEntry();
                }
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(classes)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
    }

    /** Copies the styxy-api the tests run with into {@code jar}, packing it when it is a classes directory. */
    public static void copyApiTo(Path jar) throws IOException {
        Path api = apiLocation();
        if (Files.isRegularFile(api)) {
            Files.copy(api, jar);
        } else {
            TestPlugin plain = plain(jar.getFileName().toString());
            plain.manifest.clear();
            plain.pack(api, jar);
        }
    }

    /** Where the styxy-api the tests run with lives (its jar or its classes directory). */
    public static Path apiLocation() {
        try {
            return Path.of(ServiceTypeProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
