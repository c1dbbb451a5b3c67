package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.styxy.cli.LauncherProcess.Run;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged command (bin/styxy) against the real daemon, in a temporary STYXY_HOME on a kernel-chosen port.
 * Needs the daemon built (styxy-server/target/modules): a full reactor build packages it before this module.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliEndToEndIT {
    static final Path ROOT = LauncherProcess.ROOT;
    static final Path LAUNCHER = LauncherProcess.LAUNCHER;
    static Path tmp;
    static Path home;
    static int port;

    @BeforeAll
    static void setUp() throws IOException {
        assumeTrue(Files.isRegularFile(ROOT.resolve("styxy-server/target/modules/styxy-server.jar")),
                "the daemon is not packaged (run the whole reactor: ./mvnw verify)");
        tmp = Files.createTempDirectory("styxy-cli-it");
        home = tmp.resolve("home");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (home == null) {
            return;
        }
        // whatever happened, no daemon outlives the test
        DaemonFiles.Info info = readInfo();
        if (info != null) {
            ProcessHandle.of(info.pid()).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            });
        }
        try (Stream<Path> files = Files.walk(tmp)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static DaemonFiles.Info readInfo() {
        var sink = new java.io.PrintWriter(new java.io.StringWriter());
        return DaemonFiles.read(new Ctx(sink, sink, Map.of("STYXY_HOME", home.toString()), tmp, tmp, false, false));
    }

    static Run styxy(String... args) throws Exception {
        return LauncherProcess.run(tmp, home, port, args);
    }

    @Test
    @Order(1)
    void startAnswersAndASecondStartChangesNothing() throws Exception {
        Run start = styxy("daemon", "start");
        assertThat(start.code()).as(start.err()).isZero();
        assertThat(start.out()).contains("Styxy daemon started").contains("port " + port);
        DaemonFiles.Info info = readInfo();
        assertThat(info).isNotNull();
        assertThat(info.alive()).isTrue();

        Run again = styxy("daemon", "start", "--json");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.json()).containsEntry("status", "already_running").containsEntry("pid", info.pid());
        assertThat(readInfo().pid()).isEqualTo(info.pid());

        Run status = styxy("daemon", "status", "--json");
        assertThat(status.code()).isZero();
        assertThat(status.json()).containsEntry("running", true);
        assertThat(styxy("daemon", "status").out()).contains("Styxy daemon is running").contains("uptime");
    }

    @Test
    @Order(2)
    void allocateCheckListRelease() throws Exception {
        Run alloc = styxy("allocate", "-s", "dev", "-n", "web", "--json");
        assertThat(alloc.code()).as(alloc.err()).isZero();
        Map<String, Object> lease = Json.obj(alloc.json().get("lease"));
        long leased = Json.num(lease.get("port"), -1);
        String lock = Json.str(lease.get("lock_id"));
        assertThat(leased).isBetween(3000L, 3999L);
        assertThat(lock).isNotBlank();

        Run check = styxy("check", Long.toString(leased), "--json");
        assertThat(check.code()).as(check.err()).isZero();
        assertThat(check.json()).containsEntry("available", false);
        assertThat(Json.obj(check.json().get("lease"))).containsEntry("lock_id", lock);
        assertThat(styxy("check", Long.toString(leased)).out()).contains("in use").contains(lock)
                .doesNotContain("undefined");

        Run list = styxy("list", "--json");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains(lock);
        assertThat(styxy("list", "--service", "dev").out()).contains(Long.toString(leased)).contains("web");

        Run release = styxy("release", lock);
        assertThat(release.code()).as(release.err()).isZero();
        assertThat(release.out()).contains("Released port " + leased);
        assertThat(styxy("list", "--json").out()).doesNotContain(lock);
        assertThat(styxy("release", lock).code()).isEqualTo(4);
    }

    @Test
    @Order(3)
    void runExportsThePortHoldsTheLeaseWhileRunningAndReleasesAfter() throws Exception {
        Path seen = tmp.resolve("run-port");
        Path during = tmp.resolve("run-list");
        Path lib = ROOT.resolve("interposer/target/libstyxy-interpose.so");
        Run run = styxy("run", "-s", "api", "-n", "child", "--", "bash", "-c",
                "echo \"$PORT $STYXY_PORT\" > '" + seen + "'; '" + LAUNCHER + "' list --json > '" + during
                        + "'; printf '%s' \"$LD_PRELOAD\" > '" + seen + ".preload'; exit 7");
        assertThat(run.code()).as(run.err()).isEqualTo(7);
        String[] ports = Files.readString(seen).strip().split(" ");
        assertThat(ports[0]).isEqualTo(ports[1]);
        String port = ports[0];
        if (Files.isRegularFile(lib)) {
            assertThat(Files.readString(Path.of(seen + ".preload"))).isEqualTo(lib.toString());
        }
        Map<String, Object> duringList = Json.parseObject(Files.readString(during));
        assertThat(Json.list(duringList.get("leases"))).anySatisfy(l -> {
            assertThat(Json.num(Json.obj(l).get("port"), -1)).isEqualTo(Long.parseLong(port));
            assertThat(Json.obj(l).get("service_name")).isEqualTo("child");
        });
        Map<String, Object> after = styxy("list", "--json").json();
        assertThat(Json.list(after.get("leases"))).noneSatisfy(
                l -> assertThat(Json.obj(l).get("service_name")).isEqualTo("child"));
    }

    @Test
    @Order(4)
    void runPassesSigtermToTheChildAndStillReleases() throws Exception {
        Path ready = tmp.resolve("child-ready");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "run", "-s", "api", "-n", "sig", "--no-preload",
                "--", "bash", "-c", "trap 'kill $!; exit 42' TERM; echo $PORT > '" + ready + "'; sleep 60 & wait");
        pb.environment().put("STYXY_HOME", home.toString());
        pb.environment().put("STYXY_DAEMON_PORT", Integer.toString(port));
        pb.environment().put("STYXY_SKIP_BUILD", "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectErrorStream(true);
        Process styxy = pb.start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!(Files.exists(ready) && !Files.readString(ready).isBlank()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ready).exists();
            assertThat(styxy("list", "--json").out()).contains("\"sig\"");
            styxy.destroy(); // SIGTERM to styxy (bin/styxy execs java: same pid)
            assertThat(styxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(styxy.exitValue()).isEqualTo(42);
            assertThat(styxy("list", "--json").out()).doesNotContain("\"sig\"");
        } finally {
            styxy.destroyForcibly();
        }
    }

    @Test
    @Order(4)
    void shellInitTurnsThePreloadOnInBash() throws Exception {
        Path lib = ROOT.resolve("interposer/target/libstyxy-interpose.so");
        assumeTrue(Files.isRegularFile(lib), "the interposer is not built");
        Run init = styxy("shell-init", "bash");
        assertThat(init.code()).as(init.err()).isZero();
        Path f = tmp.resolve("init.sh");
        Files.writeString(f, init.out());
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "LD_PRELOAD=/lib/x.so; source '" + f + "'; source '"
                + f + "'; printf '%s' \"$LD_PRELOAD\"");
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEqualTo("/lib/x.so " + lib);
        assertThat(styxy("preload-path").out().strip()).isEqualTo(lib.toString());
    }

    @Test
    @Order(5)
    void whereShowsTheLedger() throws Exception {
        Run where = styxy("where", "--json");
        assumeTrue(!where.out().contains("NO_ROUTE"), "this daemon does not serve /v1/reassignments yet");
        assertThat(where.code()).as(where.err()).isZero();
        assertThat(where.json()).containsKey("reassignments");
    }

    @Test
    @Order(6)
    void scanSuggestObserveInstancesCleanupAndEvents() throws Exception {
        Run probe = styxy("suggest", "dev", "--json");
        assumeTrue(!probe.out().contains("NO_ROUTE"), "this daemon does not serve the /v1 API yet");
        assertThat(probe.code()).as(probe.err()).isZero();
        assertThat(Json.list(probe.json().get("ports"))).isNotEmpty();
        assertThat(styxy("scan", "--start", "3000", "--end", "3010", "--json").json()).containsKey("ports");
        assertThat(styxy("observe", "--all", "--json").json()).containsKey("listeners");
        assertThat(styxy("instances", "--json").code()).isZero();

        // events: a follower started first sees the lease granted next
        List<String> cmd = List.of(LAUNCHER.toString(), "events", "--json", "--count", "1", "--type",
                "lease.granted");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("STYXY_HOME", home.toString());
        pb.environment().put("STYXY_DAEMON_PORT", Integer.toString(port));
        pb.environment().put("STYXY_SKIP_BUILD", "1");
        Process follower = pb.start();
        try {
            Thread.sleep(1500); // let it connect
            Run alloc = styxy("allocate", "-s", "api", "-n", "evt", "--json");
            assertThat(alloc.code()).as(alloc.err()).isZero();
            assertThat(follower.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String line = new String(follower.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(Json.parseObject(line)).containsEntry("event", "lease.granted");
            assertThat(follower.exitValue()).isZero();
            long p = Json.num(Json.obj(alloc.json().get("lease")).get("port"), -1);
            Run byPort = styxy("release", "--port", Long.toString(p));
            assertThat(byPort.code()).as(byPort.err()).isZero();
            assertThat(byPort.out()).contains("Released port " + p);
        } finally {
            follower.destroyForcibly();
        }
        Run cleanup = styxy("cleanup", "--json");
        assertThat(cleanup.code()).as(cleanup.err()).isZero();
        assertThat(cleanup.json()).containsKey("released");
    }

    @Test
    @Order(7)
    void doctorAndConfigWorkWithAuthOn() throws Exception {
        Run show = styxy("config", "show", "--json");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.json()).containsKey("service_types");
        Run doctor = styxy("doctor", "--json");
        Map<String, Object> report = doctor.json(); // pure JSON whatever the verdict
        assertThat(Json.list(report.get("checks")).toString()).contains("token accepted");
        assertThat(doctor.code()).isEqualTo(Json.bool(report.get("healthy")) ? 0 : 1);

        Path config = home.resolve("config.json");
        Run generate = styxy("config", "generate");
        assertThat(generate.code()).as(generate.err()).isZero();
        Run validate = styxy("config", "validate", "--json");
        assertThat(validate.code()).as(validate.out()).isZero();
        assertThat(validate.json()).containsEntry("valid", true);
        assertThat(styxy("config", "generate").code()).isEqualTo(1);
        Files.delete(config);
    }

    @Test
    @Order(7)
    void uiPrintsALinkThatLogsOneBrowserInOnce() throws Exception {
        Run ui = styxy("ui", "--print-url");
        assertThat(ui.code()).as(ui.err()).isZero();
        String url = ui.out().strip();
        assertThat(url).startsWith("http://127.0.0.1:" + port + "/ui/login?code=");
        String token = Files.readString(home.resolve("auth.token")).strip();
        assertThat(url).doesNotContain(token);

        java.net.HttpURLConnection login = (java.net.HttpURLConnection) java.net.URI.create(url).toURL()
                .openConnection();
        login.setInstanceFollowRedirects(false);
        assertThat(login.getResponseCode()).isEqualTo(303);
        assertThat(login.getHeaderField("Location")).isEqualTo("/ui/");
        String setCookie = login.getHeaderField("Set-Cookie");
        assertThat(setCookie).startsWith("styxy_session_" + port + "=").contains("HttpOnly")
                .contains("SameSite=Strict").doesNotContain(token);

        java.net.HttpURLConnection page = (java.net.HttpURLConnection) java.net.URI.create(
                "http://127.0.0.1:" + port + "/ui/").toURL().openConnection();
        page.setRequestProperty("Cookie", setCookie.substring(0, setCookie.indexOf(';')));
        assertThat(page.getResponseCode()).isEqualTo(200);
        String html = new String(page.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(html).contains("/ui/assets/app.js").doesNotContain(token);

        java.net.HttpURLConnection again = (java.net.HttpURLConnection) java.net.URI.create(url).toURL()
                .openConnection();
        again.setInstanceFollowRedirects(false);
        assertThat(again.getResponseCode()).isEqualTo(410);
    }

    @Test
    @Order(8)
    void restartGivesANewDaemonAndStopWaitsForItsExit() throws Exception {
        long before = readInfo().pid();
        Run restart = styxy("daemon", "restart");
        assertThat(restart.code()).as(restart.err()).isZero();
        DaemonFiles.Info info = readInfo();
        assertThat(info.pid()).isNotEqualTo(before);
        assertThat(ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false)).isFalse();

        Run stop = styxy("daemon", "stop");
        assertThat(stop.code()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("stopped (pid " + info.pid());
        assertThat(ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(styxy("daemon", "status").code()).isEqualTo(3);
        assertThat(styxy("check", "3000").code()).isEqualTo(3);
        Run stopAgain = styxy("daemon", "stop");
        assertThat(stopAgain.code()).isZero();
        assertThat(stopAgain.out()).contains("not running");
    }

    @Test
    @Order(9)
    void foregroundPassesTheDaemonsExitCodeAndSigterm() throws Exception {
        assertThat(readInfo()).isNull(); // stopped by the test before
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "daemon", "start", "--foreground");
        pb.environment().put("STYXY_HOME", home.toString());
        pb.environment().put("STYXY_DAEMON_PORT", Integer.toString(port));
        pb.environment().put("STYXY_SKIP_BUILD", "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(tmp.resolve("foreground.out").toFile());
        pb.redirectErrorStream(true);
        Process fg = pb.start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (styxy("daemon", "status").code() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            DaemonFiles.Info info = readInfo();
            assertThat(info).isNotNull();
            Run second = styxy("daemon", "start", "--foreground");
            assertThat(second.code()).as(second.out() + second.err()).isEqualTo(3); // the daemon's "already running"
            fg.destroy(); // SIGTERM, as systemd would send
            assertThat(fg.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(fg.exitValue()).as(Files.readString(tmp.resolve("foreground.out"))).isZero();
            assertThat(ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        } finally {
            fg.destroyForcibly();
        }
    }
}
