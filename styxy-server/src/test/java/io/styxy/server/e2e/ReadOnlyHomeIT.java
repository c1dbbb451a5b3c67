package io.styxy.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.styxy.server.testing.ReadOnlyMounts;
import io.styxy.server.config.StateDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged daemon on a STYXY_HOME that is really read-only: a bind mount remounted read-only (needs mount
 * rights; skipped with the reason otherwise, since permission bits do not stop root), and an ext4 file system the
 * kernel turns read-only under the running daemon. Reads are served, every change is refused with 503
 * {@code STATE_READ_ONLY}, not a byte of the home changes, and no acknowledged lease is lost.
 */
class ReadOnlyHomeIT {

    @TempDir
    Path tmp;

    /** The lock a read-only daemon left in the runtime directory (a lock file stays, as daemon.lock does). */
    @AfterEach
    void removeRuntimeLock() throws IOException {
        Path home = tmp.resolve("home");
        if (Files.isDirectory(home)) {
            Files.deleteIfExists(StateDir.runtimeDir().resolve(StateDir.runtimeKey(home) + ".lock"));
        }
    }

    private static void assumeMounts() {
        String why = ReadOnlyMounts.unavailable();
        assumeTrue(why == null, () -> "needs a real read-only file system: " + why);
    }

    /** Every file under {@code dir} with its size and modification time. */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                out.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "dir"
                        : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    private static Set<String> locks(RunningDaemon d) throws IOException {
        Set<String> out = new HashSet<>();
        for (JsonNode a : d.allocations()) {
            out.add(a.path("lock_id").asText());
        }
        return out;
    }

    private static void assertReadOnlyRefusal(RunningDaemon.Answer a, Path home, boolean v1) {
        assertThat(a.status()).as(a.body().toString()).isEqualTo(503);
        String code = v1 ? a.body().path("error").path("code").asText() : a.body().path("code").asText();
        String message = v1 ? a.body().path("error").path("message").asText() : a.body().path("error").asText();
        assertThat(code).isEqualTo("STATE_READ_ONLY");
        assertThat(message).startsWith("STYXY_HOME " + home + " is read-only (")
                .endsWith("remount it read-write or point STYXY_HOME at a writable directory, then restart the"
                        + " daemon");
        if (!v1) {
            assertThat(a.body().path("success").asBoolean(true)).isFalse();
        }
    }

    @Test
    void aReadOnlyHomeServesItsLedgerRefusesEveryChangeAndLosesNothing() throws Exception {
        assumeMounts();
        Path home = tmp.resolve("home");
        Path out = tmp.resolve("daemon.out");
        Process owner = new ProcessBuilder("sleep", "600").start();
        Set<String> acknowledged = new HashSet<>();
        String ownedLock;
        int port;
        try (RunningDaemon rw = RunningDaemon.start(home, out)) {
            JsonNode first = rw.allocate(Map.of("service_type", "dev", "service_name", "web"));
            port = first.path("port").asInt();
            acknowledged.add(first.path("lock_id").asText());
            acknowledged.add(rw.allocate(Map.of("service_type", "api")).path("lock_id").asText());
            ownedLock = rw.allocate(Map.of("service_type", "docs", "pid", owner.pid())).path("lock_id").asText();
            acknowledged.add(ownedLock);
            assertThat(rw.call("POST", "/v1/instances", Map.of("instance_id", "ro-inst")).status()).isEqualTo(201);
            assertThat(rw.stop()).isZero();
        } finally {
            owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // The owner of one lease died while no daemon ran: a read-only daemon must keep that lease too.

        try (ReadOnlyMounts mounts = new ReadOnlyMounts()) {
            mounts.bindReadOnly(home);
            Map<String, String> before = tree(home);
            try (RunningDaemon ro = RunningDaemon.startReadOnly(home, out)) {
                assertThat(ro.call("GET", "/status", null).body().path("read_only").asBoolean()).isTrue();
                JsonNode status = ro.call("GET", "/v1/status", null).body();
                assertThat(status.path("status").asText()).isEqualTo("read_only");
                assertThat(status.path("socket").isNull()).as("no socket in a read-only home").isTrue();
                assertThat(home.resolve("styxy.sock")).doesNotExist();

                // Reads: the ledger as it was stored.
                assertThat(locks(ro)).isEqualTo(acknowledged);
                assertThat(ro.call("GET", "/v1/leases", null).body().path("leases")).hasSize(3);
                JsonNode check = ro.call("GET", "/check/" + port, null).body();
                assertThat(check.path("available").asBoolean(true)).isFalse();
                assertThat(ro.call("GET", "/v1/instances", null).body().toString()).contains("ro-inst");

                // Changes: all refused, on both route families.
                for (int i = 0; i < 20; i++) {
                    assertReadOnlyRefusal(ro.call("POST", "/allocate", Map.of("service_type", "dev")), home, false);
                }
                assertReadOnlyRefusal(ro.call("POST", "/allocate", Map.of("service_type", "never-seen")), home,
                        false);
                assertReadOnlyRefusal(ro.call("DELETE", "/allocate/" + ownedLock, null), home, false);
                assertReadOnlyRefusal(ro.call("POST", "/register-instance", Map.of("instance_id", "x")), home,
                        false);
                assertReadOnlyRefusal(ro.call("POST", "/v1/leases", Map.of("service_type", "api")), home, true);
                assertReadOnlyRefusal(ro.call("DELETE", "/v1/leases/" + ownedLock, null), home, true);
                assertReadOnlyRefusal(ro.call("PUT", "/v1/instances/ro-inst/heartbeat", null), home, true);
                assertReadOnlyRefusal(ro.call("POST", "/v1/groups",
                        Map.of("leases", List.of(Map.of("service_type", "dev")))), home, true);
                assertReadOnlyRefusal(ro.call("POST", "/v1/cleanup", Map.of("force", true)), home, true);

                // Health, Helidon's health and doctor say why.
                RunningDaemon.Answer health = ro.call("GET", "/health", null);
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.body().path("read_only").asBoolean()).isTrue();
                assertThat(health.body().path("warnings").toString()).contains("STYXY_HOME " + home
                        + " is read-only");
                RunningDaemon.Answer observed = ro.call("GET", "/v1/observe/health", null);
                assertThat(observed.status()).isEqualTo(503);
                assertThat(observed.body().toString()).contains("read_only_reason");
                JsonNode doctor = ro.call("GET", "/v1/doctor", null).body();
                assertThat(doctor.toString()).contains("\"name\":\"store\",\"status\":\"fail\"")
                        .contains("unix_socket");

                // One daemon per home, read-only or not.
                Path second = tmp.resolve("second.out");
                Process again = RunningDaemon.launch(home, second);
                assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(again.exitValue()).isEqualTo(3);
                assertThat(Files.readString(second)).contains("already running (pid " + ro.process().pid()
                        + ", port " + ro.port() + ")");

                Thread.sleep(700); // a few sweeps: the dead owner's lease stays
                assertThat(locks(ro)).isEqualTo(acknowledged);
                assertThat(ro.stop()).isZero();
                assertThat(RunningDaemon.runtimeInfo(home)).doesNotExist();
            }
            assertThat(tree(home)).as("not a byte of the home changed").isEqualTo(before);
            assertThat(Files.readString(out)).contains("is read-only (read-only file system)")
                    .contains("Serving reads only");
            mounts.unmount(home);
        }

        // Writable again: every acknowledged lease is there, and nothing that was refused. (The lease whose
        // owner died may go at the first sweep: a writable daemon releases it, as it should.)
        try (RunningDaemon rw = RunningDaemon.start(home, out)) {
            Set<String> live = locks(rw);
            assertThat(live).isSubsetOf(acknowledged);
            assertThat(live).containsAll(acknowledged.stream().filter(l -> !l.equals(ownedLock)).toList());
            rw.allocate(Map.of("service_type", "dev"));
        }
    }

    @Test
    void aCrashedDaemonsLedgerIsReadFromItsLogAndASocketElsewhereAnswersStateReadOnly() throws Exception {
        assumeMounts();
        Path home = tmp.resolve("home");
        Path out = tmp.resolve("daemon.out");
        Set<String> acknowledged = new HashSet<>();
        RunningDaemon rw = RunningDaemon.start(home, out);
        try {
            for (String type : List.of("dev", "api", "build")) {
                acknowledged.add(rw.allocate(Map.of("service_type", type)).path("lock_id").asText());
            }
        } finally {
            rw.kill9();
        }
        assertThat(home.resolve("styxy.db-wal")).as("a crash leaves the WAL").exists();
        Path socket = tmp.resolve("elsewhere.sock");
        try (ReadOnlyMounts mounts = new ReadOnlyMounts()) {
            mounts.bindReadOnly(home);
            try (RunningDaemon ro = RunningDaemon.startReadOnly(home, out, "--socket", socket.toString())) {
                assertThat(locks(ro)).isEqualTo(acknowledged);
                assertThat(line(socket, "PING")).startsWith("OK pong");
                String refused = line(socket, "ALLOCATE type=dev");
                assertThat(refused).startsWith("ERR code=STATE_READ_ONLY STYXY_HOME " + home + " is read-only");
                String lock = acknowledged.iterator().next();
                assertThat(line(socket, "RELEASE lock=" + lock)).startsWith("ERR code=STATE_READ_ONLY");
                assertThat(line(socket, "CHECK port=1")).startsWith("OK port=1");
                assertThat(locks(ro)).isEqualTo(acknowledged);
            }
            mounts.unmount(home);
        }
        try (RunningDaemon again = RunningDaemon.start(home, out)) {
            assertThat(locks(again)).isEqualTo(acknowledged);
        }
    }

    @Test
    void aReadOnlyHomeWithoutATokenIsAClearStartFailure() throws Exception {
        assumeMounts();
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path out = tmp.resolve("daemon.out");
        try (ReadOnlyMounts mounts = new ReadOnlyMounts()) {
            mounts.bindReadOnly(home);
            Process p = RunningDaemon.launch(home, out);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(1);
            assertThat(Files.readString(out)).contains("cannot start: STYXY_HOME " + home + " is read-only")
                    .contains("no usable auth.token, so no client could authenticate");
            assertThat(RunningDaemon.runtimeInfo(home)).doesNotExist();
        }
    }

    /**
     * The kernel turns the file system read-only under the running daemon (ext4 with errors=remount-ro, an error
     * raised through its sysfs trigger): the next change fails in SQLite, the daemon finds out why and refuses it,
     * and every later one, with the same clear error; reads go on; after a repair nothing acknowledged is lost.
     * The error aborts the journal and drops what was still only in the page cache, as an OS crash would, so the
     * home runs with {@code "durability": "full"} (every commit synced): the guarantee that covers that case.
     */
    @Test
    void aHomeTheKernelMakesReadOnlyUnderTheDaemonRefusesWithTheSameClearError() throws Exception {
        assumeMounts();
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/ext4")), "needs ext4 (its sysfs trigger_fs_error)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")) || Files.isExecutable(Path.of("/sbin/mkfs.ext4")),
                "needs mkfs.ext4");
        Path image = tmp.resolve("home.img");
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        Path home = mnt.resolve("home");
        Path out = tmp.resolve("daemon.out");
        Set<String> acknowledged = new HashSet<>();
        try (var file = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0).write(ByteBuffer.allocate(1), 64L * 1024 * 1024 - 1);
        }
        run("mkfs.ext4", "-q", "-F", image.toString());
        boolean mounted = false;
        try {
            run("mount", "-o", "loop,errors=remount-ro", image.toString(), mnt.toString());
            mounted = true;
            Path trigger = Path.of("/sys/fs/ext4",
                    Path.of(run("findmnt", "-n", "-o", "SOURCE", mnt.toString()).strip()).getFileName().toString(),
                    "trigger_fs_error");
            assumeTrue(Files.exists(trigger), "needs " + trigger);
            Files.createDirectories(home);
            Files.writeString(home.resolve("config.json"), "{\"durability\": \"full\"}\n");
            try (RunningDaemon d = RunningDaemon.start(home, out)) {
                for (int i = 0; i < 5; i++) {
                    acknowledged.add(d.allocate(Map.of("service_type", "dev")).path("lock_id").asText());
                }
                Files.writeString(trigger, "styxy test: the file system goes read-only\n");
                int refused = 0;
                for (int i = 0; i < 10; i++) {
                    RunningDaemon.Answer a = d.call("POST", "/allocate", Map.of("service_type", "api"));
                    if (a.status() == 200) {
                        acknowledged.add(a.body().path("lock_id").asText()); // cannot be, but would count
                        continue;
                    }
                    assertReadOnlyRefusal(a, home, false);
                    refused++;
                }
                assertThat(refused).isEqualTo(10);
                assertReadOnlyRefusal(d.call("POST", "/v1/leases", Map.of("service_type", "dev")), home, true);
                assertThat(locks(d)).isEqualTo(acknowledged);
                RunningDaemon.Answer health = d.call("GET", "/health", null);
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.body().path("read_only").asBoolean()).isTrue();
                d.stop();
            }
            run("umount", mnt.toString());
            mounted = false;
            runAllowing(1, "e2fsck", "-fy", image.toString()); // 1: errors were corrected
            run("mount", "-o", "loop", image.toString(), mnt.toString());
            mounted = true;
            try (RunningDaemon d = RunningDaemon.start(home, out)) {
                assertThat(locks(d)).as("acknowledged before the error, nothing refused after it")
                        .isEqualTo(acknowledged);
                d.allocate(Map.of("service_type", "dev"));
            }
        } finally {
            if (mounted) {
                runAllowing(32, "umount", "-l", mnt.toString());
            }
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        return runAllowing(0, command);
    }

    private static String runAllowing(int alsoOk, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        int code = p.exitValue();
        if (code != 0 && code != alsoOk) {
            throw new IOException(String.join(" ", command) + " exited " + code + ": " + output);
        }
        return output;
    }

    /** One line over the Unix socket, its answer without the newline. */
    private static String line(Path socket, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            List<Byte> bytes = new ArrayList<>();
            while (ch.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        byte[] all = new byte[bytes.size()];
                        for (int i = 0; i < all.length; i++) {
                            all[i] = bytes.get(i);
                        }
                        return new String(all, StandardCharsets.UTF_8);
                    }
                    bytes.add(b);
                }
                buf.clear();
            }
            throw new IOException("the socket closed without an answer to " + request);
        }
    }
}
