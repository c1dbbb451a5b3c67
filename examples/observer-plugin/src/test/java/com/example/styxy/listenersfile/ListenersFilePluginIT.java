package com.example.styxy.listenersfile;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The built plugin jar, installed as a user would install it, loads in the real daemon. */
class ListenersFilePluginIT {

    @TempDir
    Path tmp;

    @Test
    void theDaemonLoadsTheObserverFromItsOwnPluginDirectory() throws Exception {
        Path home = tmp.resolve("home");
        Path jar = Path.of(System.getProperty("plugin.jar"));
        Path dir = home.resolve("plugins/listeners-file");
        Files.createDirectories(dir);
        Files.copy(jar, dir.resolve(jar.getFileName()));

        try (DaemonProcess daemon = DaemonProcess.start(home)) {
            JsonNode status = daemon.call("GET", "/status", null);
            assertThat(status.isObject()).isTrue();
            assertThat(daemon.log()).contains("styxy: plugin listeners-file ")
                    .contains(" loaded from " + dir + ": service types none; observers listeners-file")
                    .doesNotContain("skipped");
        }
    }
}
