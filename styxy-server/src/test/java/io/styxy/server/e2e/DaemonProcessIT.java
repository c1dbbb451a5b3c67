package io.styxy.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged daemon as a real process: lifecycle, the legacy path end to end, owners, listeners, corruption. */
class DaemonProcessIT {

    @TempDir
    Path tmp;

    @Test
    void allocatesChecksReleasesAndStops() throws Exception {
        Path home = tmp.resolve("home");
        try (RunningDaemon daemon = RunningDaemon.start(home)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("auth.token"))))
                    .isEqualTo("rw-------");

            JsonNode granted = daemon.allocate(Map.of("service_type", "dev", "service_name", "web"));
            assertThat(granted.path("success").asBoolean()).isTrue();
            int port = granted.path("port").asInt();
            assertThat(port).isBetween(3000, 3099);
            String lockId = granted.path("lock_id").asText();

            JsonNode check = daemon.call("GET", "/check/" + port, null).body();
            assertThat(check.path("available").asBoolean()).isFalse();
            assertThat(check.path("allocated_to").path("lock_id").asText()).isEqualTo(lockId);
            assertThat(daemon.allocations()).extracting(a -> a.path("port").asInt()).containsExactly(port);

            assertThat(daemon.call("DELETE", "/allocate/" + lockId, null).body().path("port").asInt())
                    .isEqualTo(port);
            assertThat(daemon.allocations()).isEmpty();
            assertThat(daemon.call("DELETE", "/allocate/" + lockId, null).status()).isEqualTo(404);

            assertThat(daemon.stop()).isZero();
            assertThat(home.resolve("daemon.json")).doesNotExist();
        }
    }

    @Test
    void aSecondDaemonOnTheSameHomeRefusesAndChangesNothing() throws Exception {
        Path home = tmp.resolve("home");
        try (RunningDaemon daemon = RunningDaemon.start(home)) {
            daemon.allocate(Map.of("service_type", "api"));
            String info = Files.readString(home.resolve("daemon.json"));
            Process second = RunningDaemon.launch(home);
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).isEqualTo(3);
            assertThat(Files.readString(home.resolve("daemon.out"))).contains("already running (pid "
                    + daemon.process().pid() + ", port " + daemon.port() + ")");
            assertThat(Files.readString(home.resolve("daemon.json"))).isEqualTo(info);
            assertThat(daemon.allocations()).hasSize(1);
        }
    }

    @Test
    void aLeaseDiesWithItsOwnerProcessWithinASecond() throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(tmp.resolve("home"))) {
            Process owner = new ProcessBuilder("sleep", "60").start();
            try {
                daemon.allocate(Map.of("service_type", "dev", "pid", owner.pid()));
                assertThat(daemon.allocations()).hasSize(1);
                owner.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                Instant killed = Instant.now();
                while (!daemon.allocations().isEmpty()) {
                    assertThat(Duration.between(killed, Instant.now())).isLessThan(Duration.ofSeconds(1));
                    Thread.sleep(20);
                }
            } finally {
                owner.destroyForcibly();
            }
        }
    }

    @Test
    void neverHandsOutAPortHeldByAForeignListenerOnAnyAddress() throws Exception {
        // A type of four consecutive ports; the first three each held on a different address.
        int first = fourFreePorts();
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.json"), "{\"service_types\": {\"probe\": {\"port_range\": [" + first
                + ", " + (first + 3) + "]}}}");
        List<ServerSocket> holders = new ArrayList<>();
        try {
            String[] addresses = {"127.0.0.1", "::1", "::"};
            for (int i = 0; i < addresses.length; i++) {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(InetAddress.getByName(addresses[i]), first + i));
                holders.add(s);
            }
            try (RunningDaemon daemon = RunningDaemon.start(home)) {
                assertThat(daemon.allocate(Map.of("service_type", "probe")).path("port").asInt()).isEqualTo(first + 3);
                JsonNode exhausted = daemon.call("POST", "/allocate", Map.of("service_type", "probe")).body();
                assertThat(exhausted.path("success").asBoolean(true)).isFalse();
                JsonNode check = daemon.call("GET", "/check/" + first, null).body();
                assertThat(check.path("available").asBoolean()).isFalse();
                assertThat(check.path("system_usage").path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
            }
            holders.forEach(this::closeQuietly);
            holders.clear();
            ServerSocket any4 = new ServerSocket();
            any4.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), first));
            holders.add(any4);
            try (RunningDaemon daemon = RunningDaemon.start(home)) {
                assertThat(daemon.allocate(Map.of("service_type", "probe")).path("port").asInt()).isEqualTo(first + 1);
            }
        } finally {
            holders.forEach(this::closeQuietly);
        }
    }

    @Test
    void aCorruptDatabaseIsMovedAsideAndTheDaemonStartsWithLeasesRebuiltFromLiveListeners() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        byte[] garbage = "definitely not SQLite".repeat(500).getBytes();
        Files.write(home.resolve("styxy.db"), garbage);
        int first = fourFreePorts();
        Files.writeString(home.resolve("config.json"), "{\"service_types\": {\"held\": {\"port_range\": [" + first
                + ", " + (first + 3) + "]}}}");
        try (ServerSocket holder = new ServerSocket()) {
            holder.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), first));
            try (RunningDaemon daemon = RunningDaemon.start(home)) {
                assertThat(daemon.allocate(Map.of("service_type", "dev")).path("port").asInt()).isEqualTo(3000);
                try (Stream<Path> files = Files.list(home)) {
                    Path aside = files.filter(p -> p.getFileName().toString().startsWith("styxy.db.corrupt-"))
                            .findFirst().orElseThrow();
                    assertThat(Files.readAllBytes(aside)).isEqualTo(garbage);
                }
                assertThat(Files.readString(home.resolve("daemon.out"))).contains("moved to");
                // The port this test process listens on came back as a lease owned by this process.
                JsonNode rebuilt = daemon.allocations().stream().filter(a -> a.path("port").asInt() == first)
                        .findFirst().orElseThrow();
                assertThat(rebuilt.path("process_id").asLong()).isEqualTo(ProcessHandle.current().pid());
                assertThat(rebuilt.path("service_type").asText()).isEqualTo("held");
                assertThat(daemon.allocate(Map.of("service_type", "held")).path("port").asInt()).isEqualTo(first + 1);
            }
        }
    }

    private void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    /** A run of four ports that are free right now (kernel-chosen start, so never a fixed number). */
    static int fourFreePorts() throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            int start;
            try (ServerSocket s = new ServerSocket(0)) {
                start = s.getLocalPort();
            }
            if (start + 3 > 65_535) {
                continue;
            }
            boolean ok = true;
            for (int p = start; p < start + 4 && ok; p++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(p));
                } catch (Exception e) {
                    ok = false;
                }
            }
            if (ok) {
                return start;
            }
        }
        throw new IllegalStateException("no run of four free ports");
    }
}
