package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.styxy.cli.LauncherProcess.Run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/styxy against the real daemon on a STYXY_HOME bind-mounted read-only (needs mount rights; skipped with the
 * reason otherwise): 'daemon start' starts it, 'status', 'list' and 'check' find it through the daemon.json it keeps
 * in the runtime directory (no STYXY_DAEMON_PORT), 'allocate' gets the clear refusal, 'doctor' says why, 'daemon
 * stop' stops it.
 */
class CliReadOnlyHomeIT {

    @TempDir
    Path tmp;

    Run styxy(Path home, Integer port, String... args) throws Exception {
        return LauncherProcess.run(tmp, home, port, args);
    }

    private static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? null : out.strip();
    }

    @Test
    void theCommandWorksAgainstADaemonOnAReadOnlyHome() throws Exception {
        assumeTrue(Files.isRegularFile(CliEndToEndIT.ROOT.resolve("styxy-server/target/modules/styxy-server.jar")),
                "the daemon is not packaged (run the whole reactor: ./mvnw verify)");
        Path probe = Files.createDirectory(tmp.resolve("probe"));
        String refused = sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.toString());
        assumeTrue(refused == null, () -> "needs a real read-only mount (root or CAP_SYS_ADMIN): " + refused);
        sh("umount", probe.toString());

        Path home = tmp.resolve("home");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Run start = styxy(home, port, "daemon", "start");
        assertThat(start.code()).as(start.err()).isZero();
        Run alloc = styxy(home, null, "allocate", "-s", "dev", "-n", "web", "--json");
        assertThat(alloc.code()).as(alloc.err()).isZero();
        String lock = Json.str(Json.obj(alloc.json().get("lease")).get("lock_id"));
        long leased = Json.num(Json.obj(alloc.json().get("lease")).get("port"), -1);
        assertThat(styxy(home, null, "daemon", "stop").code()).isZero();

        boolean mounted = false;
        DaemonFiles.Info info = null;
        try {
            assertThat(sh("mount", "--bind", home.toString(), home.toString())).isNull();
            mounted = true;
            assertThat(sh("mount", "-o", "remount,ro,bind", home.toString())).isNull();

            Run ro = styxy(home, port, "daemon", "start");
            assertThat(ro.code()).as(ro.out() + ro.err()).isZero();
            assertThat(ro.out()).contains("Styxy daemon started");
            var sink = new java.io.PrintWriter(new java.io.StringWriter());
            info = DaemonFiles.read(new Ctx(sink, sink, Map.of("STYXY_HOME", home.toString()), tmp, tmp, false,
                    false));
            assertThat(info).isNotNull();
            assertThat(home.resolve("daemon.json")).doesNotExist();

            // Found without STYXY_DAEMON_PORT, through the runtime daemon.json.
            Run status = styxy(home, null, "daemon", "status");
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains("Styxy daemon is running read-only").contains("127.0.0.1:" + port)
                    .contains("is read-only");
            Run list = styxy(home, null, "list", "--json");
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(list.out()).contains(lock);
            Run check = styxy(home, null, "check", Long.toString(leased), "--json");
            assertThat(check.code()).as(check.err()).isZero();
            assertThat(check.json()).containsEntry("available", false);

            Run refusedAlloc = styxy(home, null, "allocate", "-s", "dev");
            assertThat(refusedAlloc.code()).isEqualTo(ExitCodes.FAILED);
            assertThat(refusedAlloc.err()).contains("STYXY_HOME " + home + " is read-only")
                    .contains("remount it read-write");
            Run release = styxy(home, null, "release", lock);
            assertThat(release.code()).isEqualTo(ExitCodes.FAILED);
            assertThat(release.err()).contains("is read-only");

            Run doctor = styxy(home, null, "doctor");
            assertThat(doctor.code()).isEqualTo(ExitCodes.FAILED);
            assertThat(doctor.out()).contains("state directory writable").contains("daemon check store")
                    .contains("is read-only");

            Run stop = styxy(home, null, "daemon", "stop");
            assertThat(stop.code()).as(stop.err()).isZero();
            assertThat(stop.out()).contains("stopped");
            assertThat(ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            info = null;
        } finally {
            if (info != null) {
                ProcessHandle.of(info.pid()).ifPresent(ProcessHandle::destroyForcibly);
                Files.deleteIfExists(DaemonFiles.runtimeDaemonJson(new Ctx(null, null,
                        Map.of("STYXY_HOME", home.toString()), tmp, tmp, false, false)));
            }
            if (mounted) {
                sh("umount", "-l", home.toString());
            }
            String key = DaemonFiles.runtimeKey(home);
            if (key != null) {
                Files.deleteIfExists(DaemonFiles.runtimeDir().resolve(key + ".lock"));
                Files.deleteIfExists(DaemonFiles.runtimeDir().resolve(key + ".out"));
            }
        }
        // Writable again: the lease is there.
        assertThat(styxy(home, port, "daemon", "start").code()).isZero();
        try {
            assertThat(styxy(home, null, "list", "--json").out()).contains(lock);
        } finally {
            styxy(home, null, "daemon", "stop");
        }
    }
}
