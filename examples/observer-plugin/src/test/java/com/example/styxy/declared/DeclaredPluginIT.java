package com.example.styxy.declared;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The built plugin jar, installed as a user would install it, is the real daemon's observer when asked for. */
class DeclaredPluginIT {

    @TempDir
    Path tmp;

    @Test
    void aDeclaredPortIsTakenForTheDaemon() throws Exception {
        Path home = tmp.resolve("home");
        Path jar = Path.of(System.getProperty("plugin.jar"));
        Path dir = home.resolve("plugins/declared");
        Files.createDirectories(dir);
        Files.copy(jar, dir.resolve(jar.getFileName()));
        Files.writeString(home.resolve("declared-ports"), "# held by the Windows side\ntcp 21577 sql-server\n");

        try (DaemonProcess daemon = DaemonProcess.start(home, "--observer", "declared")) {
            assertThat(daemon.log()).contains("styxy: plugin declared ")
                    .contains(" loaded from " + dir + ": service types none; observers declared")
                    .contains("observer declared)")
                    .doesNotContain("skipped");
            JsonNode check = daemon.call("GET", "/check/21577", null);
            assertThat(check.path("available").asBoolean()).as(check.toString()).isFalse();
            assertThat(check.toString()).contains("sql-server");
            assertThat(daemon.call("GET", "/check/21578", null).path("available").asBoolean()).isTrue();
        }
    }
}
