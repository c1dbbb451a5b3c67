package com.example.styxy.queues;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The built plugin jar, installed as a user would install it, in the real daemon. */
class QueuesPluginIT {

    @TempDir
    Path tmp;

    @Test
    void theDaemonHandsOutPortsOfThePluginsTypesAndShowsWhereTheyCameFrom() throws Exception {
        Path home = tmp.resolve("home");
        Path jar = Path.of(System.getProperty("plugin.jar"));
        Files.createDirectories(home.resolve("plugins/queues"));
        Files.copy(jar, home.resolve("plugins/queues").resolve(jar.getFileName()));

        try (DaemonProcess daemon = DaemonProcess.start(home)) {
            JsonNode amqp = daemon.call("POST", "/allocate", Map.of("service_type", "amqp",
                    "service_name", "rabbitmq"));
            assertThat(amqp.path("success").asBoolean()).isTrue();
            assertThat(amqp.path("port").asInt()).isBetween(5670, 5689);
            JsonNode mqtt = daemon.call("POST", "/allocate", Map.of("service_type", "mqtt"));
            assertThat(mqtt.path("port").asInt()).isBetween(1883, 1899);

            JsonNode types = daemon.call("GET", "/config", null).path("service_types");
            assertThat(types.path("amqp").path("source").asText()).isEqualTo("plugin:queues");
            assertThat(types.path("amqp").path("preferred_ports").get(0).asInt()).isEqualTo(5672);
            assertThat(types.path("mqtt").path("source").asText()).isEqualTo("plugin:queues");

            assertThat(daemon.log()).contains("styxy: plugin queues ")
                    .contains(" loaded from " + home.resolve("plugins/queues") + ": service types amqp, mqtt;")
                    .doesNotContain("skipped");
        }
    }
}
