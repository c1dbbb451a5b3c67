package io.styxy.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.styxy.server.plugins.TestPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plugins in the packaged daemon: jars made at test time (javac + jar, against the styxy-api in use) dropped into
 * {@code $STYXY_HOME/plugins/<name>/} and a {@code --plugins} directory; the daemon started as its own process.
 */
class PluginsIT {

    @TempDir
    Path tmp;

    private static TestPlugin queues() {
        return TestPlugin.modular("com.acme.queues").version("2.1.0")
                .typeProvider("com.acme.queues.QueueTypes", "queues", "amqp:25670-25689", "mqtt:28830-28849");
    }

    @Test
    void pluginTypesAreAllocatedAndShownWithTheirSource() throws Exception {
        Path home = tmp.resolve("home");
        Path extra = tmp.resolve("extra");
        queues().writeTo(home.resolve("plugins/queues"));
        TestPlugin.plain("acme-cache-1.4.jar").manifest("Implementation-Version", "1.4.2")
                .typeProvider("com.acme.cache.CacheTypes", "cache", "memcache:21211-21230")
                .observerProvider("com.acme.cache.Declared", "declared", 1, 21211)
                .writeTo(extra.resolve("cache"));
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.json"), """
                { "service_types": { "mqtt": { "port_range": [28850, 28869] } } }
                """);

        try (RunningDaemon daemon = RunningDaemon.start(home, "--plugins", extra.toString())) {
            JsonNode amqp = daemon.allocate(Map.of("service_type", "amqp", "service_name", "broker"));
            assertThat(amqp.path("success").asBoolean()).isTrue();
            assertThat(amqp.path("port").asInt()).isBetween(25670, 25689);
            assertThat(daemon.allocate(Map.of("service_type", "memcache")).path("port").asInt())
                    .isBetween(21211, 21230);
            assertThat(daemon.allocate(Map.of("service_type", "mqtt")).path("port").asInt())
                    .as("the user's range wins over the plugin's").isBetween(28850, 28869);

            JsonNode types = daemon.call("GET", "/config", null).body().path("service_types");
            assertThat(types.path("amqp").path("source").asText()).isEqualTo("plugin:queues");
            assertThat(types.path("amqp").path("port_range").toString()).isEqualTo("[25670,25689]");
            assertThat(types.path("memcache").path("source").asText()).isEqualTo("plugin:cache");
            assertThat(types.path("mqtt").path("source").asText()).isEqualTo("user");
            assertThat(types.path("dev").path("source").asText()).isEqualTo("builtin");

            String log = Files.readString(home.resolve("daemon.out"));
            assertThat(log).contains("styxy: plugin queues 2.1.0 loaded from " + home.resolve("plugins/queues")
                    + ": service types amqp, mqtt; observers none");
            assertThat(log).contains("styxy: plugin cache 1.4.2 loaded from " + extra.resolve("cache")
                    + ": service types memcache; observers declared");
            assertThat(log).doesNotContain("skipped");
        }
    }

    @Test
    void brokenPluginsAreSkippedAndReportedWhileTheDaemonServesTheGoodOne() throws Exception {
        Path home = tmp.resolve("home");
        Path plugins = home.resolve("plugins");
        queues().writeTo(plugins.resolve("queues"));
        TestPlugin.modular("com.acme.thrower")
                .customTypeProvider("com.acme.thrower.Types", "thrower", "return List.of();",
                        "throw new IllegalStateException(\"licence server unreachable\");")
                .writeTo(plugins.resolve("thrower"));
        TestPlugin.modular("com.acme.badtype")
                .customTypeProvider("com.acme.badtype.Types", "badtype", """
                        return List.of(new ServiceType("grpc", "", PortRange.of(26000, 26009), List.of(27000),
                                InstanceBehavior.MULTI, List.of()));""", "")
                .writeTo(plugins.resolve("badtype"));
        Path libs = tmp.resolve("libs");
        TestPlugin.modular("com.acme.lib").exports("com.acme.lib")
                .source("com.acme.lib.Names", "package com.acme.lib; public final class Names {}")
                .writeTo(libs);
        TestPlugin.modular("com.acme.unresolved").requires("com.acme.lib", libs)
                .typeProvider("com.acme.unresolved.Types", "unresolved", "ldap:26389-26399")
                .writeTo(plugins.resolve("unresolved"));
        TestPlugin.modular("com.acme.web").requires("jdk.httpserver", null)
                .typeProvider("com.acme.web.Types", "web", "web:26800-26809")
                .writeTo(plugins.resolve("needsjdk"));
        TestPlugin.plain("fat-search.jar")
                .source("io.styxy.api.Shaded", "package io.styxy.api; public final class Shaded {}")
                .typeProvider("com.acme.search.Types", "search", "search:26920-26929")
                .writeTo(plugins.resolve("shaded"));
        TestPlugin.modular("com.acme.future").manifest("Styxy-SPI-Version", "2")
                .typeProvider("com.acme.future.Types", "future", "quantum:26500-26509")
                .writeTo(plugins.resolve("future"));

        try (RunningDaemon daemon = RunningDaemon.start(home)) {
            JsonNode types = daemon.call("GET", "/config", null).body().path("service_types");
            assertThat(types.path("amqp").path("source").asText()).isEqualTo("plugin:queues");
            for (String skipped : new String[]{"grpc", "ldap", "web", "search", "quantum"}) {
                assertThat(types.has(skipped)).as(skipped).isFalse();
            }
            assertThat(daemon.allocate(Map.of("service_type", "amqp")).path("port").asInt())
                    .isBetween(25670, 25689);

            String log = Files.readString(home.resolve("daemon.out"));
            assertThat(log).contains("styxy: plugin thrower skipped: com.acme.thrower.Types constructor threw"
                    + " IllegalStateException: licence server unreachable (at com.acme.thrower.Types.<init>(");
            assertThat(log).contains("styxy: plugin badtype skipped: com.acme.badtype.Types serviceTypes() threw"
                    + " IllegalArgumentException: preferred port 27000 of service type \"grpc\" is outside its range"
                    + " 26000-26009");
            assertThat(log).contains("styxy: plugin unresolved skipped: cannot be resolved: Module com.acme.lib not"
                    + " found, required by com.acme.unresolved; put the missing module's jar in "
                    + plugins.resolve("unresolved"));
            assertThat(log).contains("styxy: plugin needsjdk skipped: cannot be resolved: Module jdk.httpserver not"
                    + " found, required by com.acme.web; jdk.httpserver is a JDK module the daemon does not load:"
                    + " start the daemon with JDK_JAVA_OPTIONS=--add-modules=jdk.httpserver");
            assertThat(log).contains("styxy: plugin shaded skipped: cannot be resolved: Module fat.search contains"
                    + " package io.styxy.api, module io.styxy.api exports package io.styxy.api to fat.search");
            assertThat(log).contains("styxy: plugin future skipped: module com.acme.future was built against Styxy"
                    + " SPI 2, newer than this daemon's SPI 1");
            assertThat(log).contains("styxy: plugin queues 2.1.0 loaded from");
            assertThat(daemon.call("GET", "/status", null).status()).isEqualTo(200);
            assertThat(daemon.stop()).isZero();
        }
    }
}
