package io.styxy.server.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.server.config.UserConfig;
import io.styxy.server.engine.CatalogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Loading plugins into module layers of their own, each failure reported with the plugin's name and reason. */
class PluginsTest {

    @TempDir
    Path tmp;

    private Path plugins() {
        return tmp.resolve("plugins");
    }

    private static Plugins load(Path... roots) {
        return Plugins.load(List.of(roots), ModuleLayer.boot(), Duration.ofSeconds(20));
    }

    private static Map<String, CatalogEntry> byName(List<CatalogEntry> entries) {
        return entries.stream().collect(Collectors.toMap(e -> e.type().name(), Function.identity()));
    }

    private static TestPlugin queues() {
        return TestPlugin.modular("com.acme.queues").version("2.1.0")
                .typeProvider("com.acme.queues.QueueTypes", "queues", "amqp:5670-5689", "mqtt:18830-18849");
    }

    private static PluginReport.Problem onlyError(Plugins loaded) {
        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.errors()).hasSize(1);
        return report.errors().getFirst();
    }

    // ------------------------------------------------------------------ built-ins

    @Test
    void withoutPluginsTheBuiltInsComeFromTheDaemonsOwnLayer() {
        Plugins loaded = load();
        Map<String, CatalogEntry> types = byName(loaded.serviceTypes());
        assertThat(types).containsKeys("dev", "api", "ai");
        assertThat(types.values()).allMatch(e -> e.source().equals("builtin"));
        assertThat(loaded.observerProviders()).extracting(PortObserverProvider::name).contains("procfs");

        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.spiVersion()).isEqualTo(1);
        assertThat(report.plugins()).isEmpty();
        assertThat(report.errors()).isEmpty();
        assertThat(report.conflicts()).as("built-in ranges never overlap").isEmpty();
        PluginReport.TypeRow dev = report.serviceTypes().stream().filter(t -> t.name().equals("dev")).findFirst()
                .orElseThrow();
        assertThat(dev.module()).isEqualTo("io.styxy.servicetypes");
        assertThat(dev.version()).isNotBlank();
        assertThat(dev.active()).isTrue();
        assertThat(report.observers()).anySatisfy(o -> {
            assertThat(o.name()).isEqualTo("procfs");
            assertThat(o.source()).isEqualTo("builtin");
            assertThat(o.module()).isEqualTo("io.styxy.observers.procfs");
        });
        assertThat(ServiceTypeSources.builtins()).isEqualTo(loaded.serviceTypes());
    }

    // ------------------------------------------------------------------ good plugins

    @Test
    void aModularPluginLoadsIntoALayerOfItsOwnChildOfTheDaemonsLayer() {
        queues().writeTo(plugins().resolve("queues"));
        Plugins loaded = load(plugins());

        Map<String, CatalogEntry> types = byName(loaded.serviceTypes());
        assertThat(types.get("amqp").source()).isEqualTo("plugin:queues");
        assertThat(types.get("mqtt").type().range().start()).isEqualTo(18830);
        assertThat(types.get("dev").source()).as("only the plugin layer's providers are the plugin's")
                .isEqualTo("builtin");
        assertThat(loaded.loadedPlugins()).containsExactly("queues");

        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.errors()).isEmpty();
        assertThat(report.conflicts()).isEmpty();
        PluginReport.Plugin plugin = report.plugins().getFirst();
        assertThat(plugin.status()).isEqualTo("loaded");
        assertThat(plugin.version()).isEqualTo("2.1.0");
        assertThat(plugin.spiVersion()).isEqualTo("1");
        assertThat(plugin.serviceTypes()).containsExactly("amqp", "mqtt");
        assertThat(plugin.modules()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("com.acme.queues");
            assertThat(m.automatic()).isFalse();
            assertThat(m.version()).isEqualTo("2.1.0");
            assertThat(m.jar()).endsWith("com.acme.queues.jar");
        });
        assertThat(report.serviceTypes()).filteredOn(t -> t.name().equals("amqp")).singleElement()
                .satisfies(t -> {
                    assertThat(t.source()).isEqualTo("plugin:queues");
                    assertThat(t.version()).isEqualTo("2.1.0");
                    assertThat(t.module()).isEqualTo("com.acme.queues");
                    assertThat(t.provider()).isEqualTo("queues");
                    assertThat(t.active()).isTrue();
                });
    }

    @Test
    void eachPluginGetsItsOwnLayerAndClassLoader() throws Exception {
        queues().writeTo(plugins().resolve("a"));
        TestPlugin.modular("com.acme.queues").version("3.0.0")
                .typeProvider("com.acme.queues.QueueTypes", "queues", "kafka:19090-19099")
                .writeTo(plugins().resolve("b"));
        Plugins loaded = load(plugins());
        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.errors()).as("one module name in two plugins is fine").isEmpty();
        assertThat(report.plugins()).extracting(PluginReport.Plugin::version).containsExactly("2.1.0", "3.0.0");
        Map<String, CatalogEntry> types = byName(loaded.serviceTypes());
        assertThat(types.get("amqp").source()).isEqualTo("plugin:a");
        assertThat(types.get("kafka").source()).isEqualTo("plugin:b");
    }

    @Test
    void aPlainJarLoadsAsAnAutomaticModuleThroughItsServicesFile() {
        TestPlugin.plain("acme-cache-1.4.jar").manifest("Implementation-Version", "1.4.2")
                .typeProvider("com.acme.cache.CacheTypes", "cache", "memcache:11211-11230")
                .writeTo(plugins().resolve("cache"));
        Plugins loaded = load(plugins());
        assertThat(byName(loaded.serviceTypes()).get("memcache").source()).isEqualTo("plugin:cache");
        PluginReport.Plugin plugin = loaded.report(loaded.serviceTypes()).plugins().getFirst();
        assertThat(plugin.status()).isEqualTo("loaded");
        assertThat(plugin.version()).as("Implementation-Version first for a plain jar").isEqualTo("1.4.2");
        assertThat(plugin.modules()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("acme.cache");
            assertThat(m.automatic()).isTrue();
        });
    }

    @Test
    void aPlainJarWithoutImplementationVersionTakesTheVersionFromItsFileName() {
        TestPlugin.plain("acme-cache-1.4.jar")
                .typeProvider("com.acme.cache.CacheTypes", "cache", "memcache:11211-11230")
                .writeTo(plugins().resolve("cache"));
        Plugins loaded = load(plugins());
        assertThat(loaded.report(loaded.serviceTypes()).plugins().getFirst().version()).isEqualTo("1.4");
    }

    @Test
    void aPlainJarWithoutItsServicesFileProvidesNothingAndIsReported() {
        TestPlugin.plain("acme-cache.jar").withoutServicesFile()
                .typeProvider("com.acme.cache.CacheTypes", "cache", "memcache:11211-11230")
                .writeTo(plugins().resolve("cache"));
        PluginReport.Problem error = onlyError(load(plugins()));
        assertThat(error.plugin()).isEqualTo("cache");
        assertThat(error.reason()).contains("provides neither io.styxy.api.spi.ServiceTypeProvider")
                .contains("META-INF/services/io.styxy.api.spi.ServiceTypeProvider");
    }

    @Test
    void aPluginMayBringTheLibrariesItNeeds() {
        Path libs = tmp.resolve("libs");
        Path lib = TestPlugin.modular("com.acme.lib").exports("com.acme.lib")
                .source("com.acme.lib.Names", """
                        package com.acme.lib;
                        public final class Names {
                            public static String queue() { return "amqp"; }
                        }
                        """)
                .writeTo(libs);
        Path dir = plugins().resolve("queues");
        TestPlugin.modular("com.acme.queues").requires("com.acme.lib", libs)
                .customTypeProvider("com.acme.queues.QueueTypes", "queues", """
                        return List.of(new ServiceType(com.acme.lib.Names.queue(), "", PortRange.of(5670, 5689),
                                List.of(), InstanceBehavior.MULTI, List.of()));""", "")
                .writeTo(dir);
        // Missing library: reported with a hint.
        PluginReport.Problem missing = onlyError(load(plugins()));
        assertThat(missing.reason()).contains("Module com.acme.lib not found, required by com.acme.queues")
                .contains("put the missing module's jar in " + dir.toAbsolutePath());
        // With the library beside it: loads, and the library is listed.
        try {
            Files.copy(lib, dir.resolve(lib.getFileName()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Plugins loaded = load(plugins());
        assertThat(byName(loaded.serviceTypes()).get("amqp").source()).isEqualTo("plugin:queues");
        assertThat(loaded.report(loaded.serviceTypes()).plugins().getFirst().modules())
                .extracting(PluginReport.ModuleRow::name).containsExactly("com.acme.lib", "com.acme.queues");
    }

    // ------------------------------------------------------------------ broken plugins

    @Test
    void aProviderThatThrowsInItsConstructorIsSkippedWithItsNameAndReason() {
        TestPlugin.modular("com.acme.broken")
                .customTypeProvider("com.acme.broken.Types", "broken", "return List.of();",
                        "throw new IllegalStateException(\"no licence key in ~/.acme\");")
                .writeTo(plugins().resolve("broken"));
        queues().writeTo(plugins().resolve("queues"));
        Plugins loaded = load(plugins());
        PluginReport.Problem error = onlyError(loaded);
        assertThat(error.plugin()).isEqualTo("broken");
        assertThat(error.directory()).endsWith("broken");
        assertThat(error.reason()).isEqualTo("com.acme.broken.Types constructor threw IllegalStateException:"
                + " no licence key in ~/.acme (at com.acme.broken.Types.<init>(Types.java:9))");
        assertThat(byName(loaded.serviceTypes())).containsKey("amqp");
    }

    @Test
    void aProviderWhoseServiceTypesThrowsIsSkipped() {
        TestPlugin.modular("com.acme.broken")
                .customTypeProvider("com.acme.broken.Types", "broken",
                        "throw new UnsupportedOperationException(\"not today\");", "")
                .writeTo(plugins().resolve("broken"));
        assertThat(onlyError(load(plugins())).reason()).startsWith(
                "com.acme.broken.Types serviceTypes() threw UnsupportedOperationException: not today (at ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "invalid name | new ServiceType(\"no spaces\", \"\", PortRange.of(20000, 20010), List.of(), null, null)"
                    + " | service type name must be letters, digits and dashes",
            "range backwards | new ServiceType(\"q\", \"\", PortRange.of(20010, 20000), List.of(), null, null)"
                    + " | a port range must satisfy 1 <= start <= end <= 65535, got 20010-20000",
            "range past 65535 | new ServiceType(\"q\", \"\", PortRange.of(65000, 70000), List.of(), null, null)"
                    + " | got 65000-70000",
            "preferred port outside | new ServiceType(\"q\", \"\", PortRange.of(20000, 20010), List.of(30000), null,"
                    + " null) | preferred port 30000 of service type \"q\" is outside its range 20000-20010",
            "privileged range | new ServiceType(\"q\", \"\", PortRange.of(80, 90), List.of(), null, null)"
                    + " | service type \"q\" has port range 80-90: ports below 1024 need root",
    })
    void aBadServiceTypeSkipsThePlugin(String what, String expression, String reason) {
        TestPlugin.modular("com.acme.bad")
                .customTypeProvider("com.acme.bad.Types", "bad", "return List.of(" + expression + ");", "")
                .writeTo(plugins().resolve("bad"));
        PluginReport.Problem error = onlyError(load(plugins()));
        assertThat(error.plugin()).isEqualTo("bad");
        assertThat(error.reason()).contains(reason);
    }

    @Test
    void oneBadTypeSkipsTheWholePluginNotJustTheType() {
        TestPlugin.modular("com.acme.bad")
                .typeProvider("com.acme.bad.Types", "bad", "good:20000-20010", "good:20020-20030")
                .writeTo(plugins().resolve("bad"));
        Plugins loaded = load(plugins());
        assertThat(onlyError(loaded).reason()).isEqualTo("defines service type \"good\" twice");
        assertThat(byName(loaded.serviceTypes())).doesNotContainKey("good");
    }

    @Test
    void nullsFromAProviderAreReported() {
        TestPlugin.modular("com.acme.bad")
                .customTypeProvider("com.acme.bad.Types", "bad", "return null;", "")
                .writeTo(plugins().resolve("bad"));
        assertThat(onlyError(load(plugins())).reason())
                .isEqualTo("com.acme.bad.Types.serviceTypes() returned null; return an empty list instead");
    }

    @Test
    void aPluginThatShadesTheApiPackageFailsToResolve() {
        TestPlugin.plain("fat-queues.jar")
                .source("io.styxy.api.Shaded", "package io.styxy.api; public final class Shaded {}")
                .typeProvider("com.acme.queues.QueueTypes", "queues", "amqp:5670-5689")
                .writeTo(plugins().resolve("fat"));
        PluginReport.Problem error = onlyError(load(plugins()));
        assertThat(error.plugin()).isEqualTo("fat");
        assertThat(error.reason()).startsWith("cannot be resolved: Module fat.queues contains package io.styxy.api,"
                + " module io.styxy.api exports package io.styxy.api to fat.queues")
                .contains("do not shade styxy-api");
    }

    @Test
    void twoJarsWithOneModuleInAPluginAreReported() {
        Path dir = plugins().resolve("twice");
        queues().writeTo(dir);
        try {
            Files.copy(dir.resolve("com.acme.queues.jar"), dir.resolve("com.acme.queues-old.jar"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(onlyError(load(plugins())).reason()).startsWith("its jars cannot be read as modules:"
                + " Two versions of module com.acme.queues found in");
    }

    @Test
    void aPluginThatBringsItsOwnStyxyApiIsToldToDropIt() throws Exception {
        Path dir = plugins().resolve("queues");
        queues().writeTo(dir);
        TestPlugin.copyApiTo(dir.resolve("styxy-api.jar"));
        assertThat(onlyError(load(plugins())).reason()).startsWith("contains module io.styxy.api (")
                .contains("which the daemon provides itself; delete that jar");
    }

    @Test
    void aPluginBuiltAgainstANewerSpiIsRefusedBeforeAnyOfItsCodeRuns() {
        TestPlugin.modular("com.acme.future").manifest("Styxy-SPI-Version", "2")
                .customTypeProvider("com.acme.future.Types", "future", "return List.of();",
                        "throw new AssertionError(\"must not be constructed\");")
                .writeTo(plugins().resolve("future"));
        PluginReport.Problem error = onlyError(load(plugins()));
        assertThat(error.reason()).isEqualTo("module com.acme.future was built against Styxy SPI 2, newer than"
                + " this daemon's SPI 1; upgrade Styxy, or use a release of the plugin built for SPI 1");
    }

    @Test
    void anUnreadableSpiVersionIsRefused() {
        TestPlugin.modular("com.acme.odd").manifest("Styxy-SPI-Version", "one")
                .typeProvider("com.acme.odd.Types", "odd", "amqp:5670-5689").writeTo(plugins().resolve("odd"));
        assertThat(onlyError(load(plugins())).reason()).isEqualTo("module com.acme.odd declares Styxy-SPI-Version:"
                + " \"one\" in its manifest; it must be the SPI major version it was built against, such as 1");
    }

    @Test
    void aMinorSpiVersionLoadsAndAMissingOneIsTakenAsOneWithAWarning() {
        TestPlugin.modular("com.acme.minor").manifest("Styxy-SPI-Version", "1.3")
                .typeProvider("com.acme.minor.Types", "minor", "amqp:5670-5689").writeTo(plugins().resolve("minor"));
        TestPlugin.modular("com.acme.silent").manifest("Styxy-SPI-Version", null)
                .typeProvider("com.acme.silent.Types", "silent", "mqtt:18830-18849")
                .writeTo(plugins().resolve("silent"));
        Plugins loaded = load(plugins());
        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.errors()).isEmpty();
        assertThat(report.plugins()).extracting(PluginReport.Plugin::spiVersion).containsExactly("1.3", null);
        assertThat(report.warnings()).containsExactly("plugin silent: module com.acme.silent declares no"
                + " Styxy-SPI-Version in its jar's manifest; taken as SPI 1 (add the attribute, see docs/plugins.md)");
    }

    @Test
    void aPluginThatBlocksIsSkippedAtTheDeadlineAndTheRestLoad() {
        TestPlugin.modular("com.acme.slow")
                .customTypeProvider("com.acme.slow.Types", "slow",
                        "try { Thread.sleep(60_000); } catch (InterruptedException e) { } return List.of();", "")
                .writeTo(plugins().resolve("slow"));
        queues().writeTo(plugins().resolve("queues"));
        long start = System.nanoTime();
        Plugins loaded = Plugins.load(List.of(plugins()), ModuleLayer.boot(), Duration.ofMillis(1500));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(onlyError(loaded).reason()).startsWith("did not finish loading within 1500 ms");
        assertThat(byName(loaded.serviceTypes())).containsKey("amqp");
    }

    @Test
    void aDirectoryWithoutJarsAnOddNameOrALooseJarAreReported() throws Exception {
        Files.createDirectories(plugins().resolve("empty"));
        Files.writeString(plugins().resolve("empty/README.txt"), "nothing here");
        queues().writeTo(plugins().resolve("bad name"));
        queues().writeTo(plugins());
        Files.createDirectories(plugins().resolve(".disabled"));
        queues().writeTo(plugins().resolve(".disabled"));
        Plugins loaded = load(plugins());
        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.errors()).extracting(PluginReport.Problem::plugin).containsExactly("bad name", "empty");
        assertThat(report.errors().get(0).reason()).startsWith("a plugin directory's name must be letters");
        assertThat(report.errors().get(1).reason()).startsWith("no .jar file in ");
        assertThat(report.warnings()).singleElement().asString().endsWith("com.acme.queues.jar is not inside a"
                + " plugin directory and was not loaded; move it to " + plugins().toRealPath()
                .resolve("<plugin-name>/com.acme.queues.jar"));
        assertThat(loaded.loadedPlugins()).isEmpty();
    }

    @Test
    void aMissingPluginsDirectoryIsAWarningNotAnError() {
        Plugins loaded = load(tmp.resolve("nowhere"));
        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.errors()).isEmpty();
        assertThat(report.warnings()).singleElement().asString().endsWith("nowhere does not exist; no plugins were"
                + " loaded from it");
    }

    // ------------------------------------------------------------------ precedence and conflicts

    @Test
    void aPluginTypeWinsOverABuiltInOfTheSameNameAndTheConflictIsReported() {
        TestPlugin.modular("com.acme.dev")
                .typeProvider("com.acme.dev.Types", "dev", "dev:13000-13099").writeTo(plugins().resolve("mydev"));
        Plugins loaded = load(plugins());
        List<CatalogEntry> base = loaded.serviceTypes();
        assertThat(base.getFirst().type().name()).as("keeps the built-in's place").isEqualTo("dev");
        assertThat(base.getFirst().source()).isEqualTo("plugin:mydev");
        assertThat(base.getFirst().type().range().start()).isEqualTo(13000);

        PluginReport report = loaded.report(base);
        assertThat(report.conflicts()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo("same_name");
            assertThat(c.severity()).isEqualTo("warning");
            assertThat(c.names()).containsExactly("dev");
            assertThat(c.sources()).containsExactly("plugin:mydev", "builtin");
            assertThat(c.winner()).isEqualTo("plugin:mydev");
            assertThat(c.message()).isEqualTo("service type \"dev\" is defined by plugin:mydev and builtin;"
                    + " plugin:mydev's is used (plugins win over built-ins)");
        });
        assertThat(report.serviceTypes()).filteredOn(t -> t.name().equals("dev"))
                .extracting(PluginReport.TypeRow::source, PluginReport.TypeRow::active,
                        PluginReport.TypeRow::overriddenBy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("builtin", false, "plugin:mydev"),
                        org.assertj.core.groups.Tuple.tuple("plugin:mydev", true, null));
    }

    @Test
    void betweenPluginsTheFirstLoadedWinsAndTheExtraDirectoryComesFirst() {
        Path extra = tmp.resolve("extra");
        TestPlugin.modular("com.acme.a").typeProvider("com.acme.a.Types", "a", "amqp:5670-5679")
                .writeTo(plugins().resolve("a"));
        TestPlugin.modular("com.acme.b").typeProvider("com.acme.b.Types", "b", "amqp:5680-5689")
                .writeTo(plugins().resolve("b"));
        TestPlugin.modular("com.acme.z").typeProvider("com.acme.z.Types", "z", "amqp:5690-5699")
                .writeTo(extra.resolve("z"));
        TestPlugin.modular("com.acme.a2").typeProvider("com.acme.a2.Types", "a", "mqtt:18830-18849")
                .writeTo(extra.resolve("a"));
        Plugins loaded = load(extra, plugins());
        Map<String, CatalogEntry> types = byName(loaded.serviceTypes());
        assertThat(types.get("amqp").source()).isEqualTo("plugin:z");
        assertThat(types.get("mqtt").source()).isEqualTo("plugin:a");
        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.conflicts()).singleElement().satisfies(c -> {
            assertThat(c.sources()).containsExactly("plugin:z", "plugin:b");
            assertThat(c.message()).endsWith("(the plugin loaded first wins)");
        });
        assertThat(report.errors()).singleElement().satisfies(e -> {
            assertThat(e.plugin()).isEqualTo("a");
            assertThat(e.reason()).startsWith("a plugin named a is already loaded from " + extra.resolve("a"));
        });
    }

    @Test
    void theUsersConfigWinsOverAPluginAndOverlapsAreReported() throws Exception {
        queues().writeTo(plugins().resolve("queues"));
        Plugins loaded = load(plugins());
        UserConfig config = UserConfig.parse(tmp.resolve("config.json"), """
                { "service_types": {
                    "amqp": { "port_range": [25670, 25689] },
                    "grpc": { "port_range": [18840, 18845] } } }
                """);
        List<CatalogEntry> effective = config.mergeOver(loaded.serviceTypes());
        assertThat(byName(effective).get("amqp").source()).isEqualTo("user");

        PluginReport report = loaded.report(effective);
        assertThat(report.serviceTypes()).filteredOn(t -> t.name().equals("amqp"))
                .extracting(PluginReport.TypeRow::source, PluginReport.TypeRow::active,
                        PluginReport.TypeRow::overriddenBy, t -> t.range().start())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("plugin:queues", false, "user", 5670),
                        org.assertj.core.groups.Tuple.tuple("user", true, null, 25670));
        assertThat(report.serviceTypes()).filteredOn(t -> t.name().equals("grpc")).singleElement()
                .satisfies(t -> assertThat(t.source()).isEqualTo("user"));
        assertThat(report.conflicts()).extracting(PluginReport.Conflict::kind, PluginReport.Conflict::severity,
                        PluginReport.Conflict::names)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("same_name", "info", List.of("amqp")),
                        org.assertj.core.groups.Tuple.tuple("overlapping_ranges", "warning",
                                List.of("mqtt", "grpc")));
        assertThat(report.conflicts().get(1).message()).isEqualTo("service types \"mqtt\" (18830-18849,"
                + " plugin:queues) and \"grpc\" (18840-18845, user) overlap; give one of them another port_range in"
                + " config.json");
    }

    // ------------------------------------------------------------------ observers

    @Test
    void aPluginObserverIsHandedOutWithTheBuiltInsAndMayReplaceOneByName() throws Exception {
        TestPlugin.modular("com.acme.seen").version("0.9")
                .observerProvider("com.acme.seen.Declared", "declared", 5, 40000)
                .observerProvider("com.acme.seen.Procfs", "procfs", 1, 40001)
                .writeTo(plugins().resolve("seen"));
        Plugins loaded = load(plugins());
        List<PortObserverProvider> providers = loaded.observerProviders();
        assertThat(providers).extracting(PortObserverProvider::name).containsSubsequence("procfs", "declared");
        PortObserverProvider declared = providers.stream().filter(p -> p.name().equals("declared")).findFirst()
                .orElseThrow();
        assertThat(declared.getClass().getModule().getLayer()).isNotSameAs(ModuleLayer.boot());
        assertThat(declared.getClass().getModule().getLayer().parents()).containsExactly(ModuleLayer.boot());
        assertThat(declared.create(ObserverConfig.defaults()).listeners()).singleElement()
                .satisfies(l -> assertThat(l.port()).isEqualTo(40000));
        assertThat(providers.stream().filter(p -> p.name().equals("procfs")).findFirst().orElseThrow().priority())
                .as("the plugin's procfs replaces the built-in").isEqualTo(1);

        PluginReport report = loaded.report(loaded.serviceTypes());
        assertThat(report.observers()).filteredOn(o -> o.name().equals("declared")).singleElement()
                .satisfies(o -> {
                    assertThat(o.source()).isEqualTo("plugin:seen");
                    assertThat(o.version()).isEqualTo("0.9");
                    assertThat(o.usable()).isTrue();
                    assertThat(o.note()).isEqualTo("declares port 40000");
                    assertThat(o.active()).isTrue();
                });
        assertThat(report.observers()).filteredOn(o -> o.name().equals("procfs"))
                .extracting(PluginReport.ObserverRow::source, PluginReport.ObserverRow::active,
                        PluginReport.ObserverRow::shadowedBy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("builtin", false, "plugin:seen"),
                        org.assertj.core.groups.Tuple.tuple("plugin:seen", true, null));
        assertThat(report.conflicts()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo("same_observer_name");
            assertThat(c.sources()).containsExactly("plugin:seen", "builtin");
        });
        assertThat(report.plugins().getFirst().observers()).containsExactly("declared", "procfs");
    }

    // ------------------------------------------------------------------ the report as JSON

    @Test
    void theReportIsPlainJsonInSnakeCase() throws Exception {
        queues().writeTo(plugins().resolve("queues"));
        TestPlugin.modular("com.acme.broken")
                .customTypeProvider("com.acme.broken.Types", "broken", "throw new IllegalStateException(\"x\");", "")
                .writeTo(plugins().resolve("broken"));
        Plugins loaded = load(plugins());
        ObjectMapper json = new ObjectMapper();
        JsonNode tree = json.readTree(json.writeValueAsString(loaded.report(loaded.serviceTypes()).toMap()));
        assertThat(tree.fieldNames()).toIterable().containsExactly("spi_version", "directories", "plugins",
                "service_types", "observers", "conflicts", "errors", "warnings", "checks");
        assertThat(tree.path("spi_version").asInt()).isEqualTo(1);
        assertThat(tree.path("plugins").get(0).path("name").asText()).isEqualTo("broken");
        assertThat(tree.path("plugins").get(0).path("status").asText()).isEqualTo("failed");
        assertThat(tree.path("plugins").get(1).path("status").asText()).isEqualTo("loaded");
        assertThat(tree.path("plugins").get(1).path("modules").get(0).path("automatic").asBoolean()).isFalse();
        assertThat(tree.path("errors").get(0).path("plugin").asText()).isEqualTo("broken");
        assertThat(tree.path("errors").get(0).path("reason").asText()).contains("IllegalStateException: x");
        JsonNode amqp = null;
        for (JsonNode t : tree.path("service_types")) {
            if (t.path("name").asText().equals("amqp")) {
                amqp = t;
            }
        }
        assertThat(amqp).isNotNull();
        assertThat(amqp.path("source").asText()).isEqualTo("plugin:queues");
        assertThat(amqp.path("version").asText()).isEqualTo("2.1.0");
        assertThat(amqp.path("port_range").toString()).isEqualTo("[5670,5689]");
        assertThat(amqp.path("overridden_by").isNull()).isTrue();
        assertThat(tree.path("checks").get(0).path("name").asText()).isEqualTo("plugins");
        assertThat(tree.path("checks").get(0).path("status").asText()).isEqualTo("fail");
    }

    @Test
    void doctorGetsASummaryAFailPerSkippedPluginAndAWarnPerWarningOrConflict() throws Exception {
        PluginReport none = load().report(List.of());
        assertThat(none.doctorChecks()).singleElement().satisfies(c -> {
            assertThat(c).containsEntry("name", "plugins").containsEntry("status", "ok");
            assertThat((String) c.get("detail")).isEqualTo("none installed");
        });

        queues().writeTo(plugins().resolve("queues"));
        PluginReport fine = load(plugins()).report(List.of());
        assertThat(fine.doctorChecks()).singleElement().satisfies(c -> assertThat(c)
                .containsEntry("status", "ok").containsEntry("detail", "1 loaded: queues 2.1.0"));

        TestPlugin.modular("com.acme.dev").typeProvider("com.acme.dev.Types", "dev", "dev:13000-13099")
                .writeTo(plugins().resolve("mydev"));
        TestPlugin.modular("com.acme.broken")
                .customTypeProvider("com.acme.broken.Types", "broken", "throw new IllegalStateException(\"x\");", "")
                .writeTo(plugins().resolve("broken"));
        TestPlugin.modular("com.acme.silent").manifest("Styxy-SPI-Version", null)
                .typeProvider("com.acme.silent.Types", "silent", "kafka:19090-19099")
                .writeTo(plugins().resolve("silent"));
        Plugins loaded = load(plugins());
        List<Map<String, Object>> checks = loaded.report(loaded.serviceTypes()).doctorChecks();
        assertThat(checks).extracting(c -> c.get("name"), c -> c.get("status")).containsExactly(
                org.assertj.core.groups.Tuple.tuple("plugins", "fail"),
                org.assertj.core.groups.Tuple.tuple("plugin:broken", "fail"),
                org.assertj.core.groups.Tuple.tuple("plugins", "warn"),
                org.assertj.core.groups.Tuple.tuple("plugin_conflict", "warn"));
        assertThat(checks.get(0).get("detail")).isEqualTo("1 of 4 skipped (broken); loaded: mydev, queues 2.1.0,"
                + " silent");
        assertThat((String) checks.get(1).get("detail")).startsWith("com.acme.broken.Types serviceTypes() threw"
                + " IllegalStateException: x").endsWith("(" + plugins().resolve("broken").toRealPath() + ")");
    }
}
