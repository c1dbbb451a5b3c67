package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon commands that need no real daemon: a shell script stands in for java where one must start. */
class DaemonCommandsTest {

    @TempDir
    Path tmp;

    CliHarness cli(String fakeJavaScript) throws IOException {
        CliHarness cli = new CliHarness(tmp);
        Path modules = Files.createDirectories(tmp.resolve("modules"));
        cli.env.put("STYXY_SERVER_MODULES", modules.toString());
        if (fakeJavaScript != null) {
            Path java = tmp.resolve("fake-java");
            Files.writeString(java, "#!/bin/bash\n" + fakeJavaScript + "\n");
            Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
            cli.env.put("STYXY_JAVA", java.toString());
        }
        return cli;
    }

    /** A stand-in java that records the arguments it is given; {@link #startRecorded} reads them back. */
    CliHarness recordingCli() throws IOException {
        return cli("printf '%s\\n' \"$@\" > " + tmp.resolve("args") + "\nexit 0");
    }

    /** Runs {@code daemon start --foreground} on a {@link #recordingCli()}: what the daemon's java was given. */
    List<String> startRecorded(CliHarness cli) throws IOException {
        assertThat(cli.run("daemon", "start", "--foreground").code()).isZero();
        return Files.readAllLines(tmp.resolve("args"));
    }

    @Test
    void statusAndStopWhenNothingRuns() throws IOException {
        CliHarness cli = cli(null).port(1);
        var s = cli.run("daemon", "status");
        assertThat(s.code()).isEqualTo(3);
        assertThat(s.out()).contains("not running").contains("styxy daemon start");
        assertThat(cli.run("daemon", "status", "--json").json()).containsEntry("running", false);
        var stop = cli.run("daemon", "stop");
        assertThat(stop.code()).isZero();
        assertThat(stop.out()).contains("not running").contains("nothing to stop");
        assertThat(cli.run("daemon", "stop", "--json").json()).containsEntry("status", "not_running");
    }

    @Test
    void stopRefusesAPidThatIsNotADaemon() throws Exception {
        CliHarness cli = cli(null);
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            Files.createDirectories(cli.home);
            Files.writeString(cli.home.resolve("daemon.json"), "{\"pid\":" + sleeper.pid() + ",\"http_port\":1}");
            var r = cli.run("daemon", "stop");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("is not a Styxy daemon");
            assertThat(sleeper.isAlive()).isTrue();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void startReportsAnotherDaemonHoldingTheLockAsAlreadyRunning() throws IOException {
        CliHarness cli = cli("echo \"already running (pid 4242, port 9999)\"; exit 3");
        var r = cli.run("daemon", "start", "--timeout", "10");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("already running (pid 4242, port 9999)");
    }

    @Test
    void startWaitsForTheAnswerEvenWhenDaemonJsonLacksThePort() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon()) {
            daemon.on("GET", "/status", 200, "{\"status\":\"running\"}");
            CliHarness cli = cli("sleep 0.3; echo \"{\\\"pid\\\":$$,\\\"http_port\\\":-1}\" > \"$STYXY_HOME/daemon.json\"; "
                    + "exec sleep 30").port(daemon.port());
            var r = cli.run("daemon", "start", "--timeout", "10", "--json");
            DaemonFiles.Info info = DaemonFiles.read(new Ctx(null, null, cli.env, cli.cwd, cli.home, false, false));
            try {
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.json()).containsEntry("status", "started").containsEntry("http_port",
                        (long) daemon.port());
            } finally {
                if (info != null) {
                    ProcessHandle.of(info.pid()).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    @Test
    void startThatFailsShowsTheLogTail() throws IOException {
        CliHarness cli = cli("echo \"LD_PRELOAD=[$LD_PRELOAD] REASSIGN=$STYXY_DISABLE_REASSIGN args: $*\"; "
                + "echo 'boom: cannot open the store' >&2; exit 1");
        cli.env.put("LD_PRELOAD", "/some/lib.so");
        var r = cli.run("daemon", "start", "--port", "9911", "--timeout", "10");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("exited with code 1").contains("boom: cannot open the store")
                .contains("LD_PRELOAD=[]").contains("REASSIGN=1").contains("--port 9911")
                .contains("io.styxy.server/io.styxy.server.daemon.DaemonMain").contains("--home " + cli.home);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.home))).isEqualTo("rwx------");
        assertThat(Files.readString(cli.home.resolve("logs/daemon.out"))).contains("boom");
    }

    @Test
    void startWithoutABuiltDaemonSaysHowToBuildIt() throws IOException {
        CliHarness cli = cli("exit 0");
        cli.env.put("STYXY_SERVER_MODULES", tmp.resolve("nope").toString());
        var r = cli.run("daemon", "start");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("not built").contains("mvnw");
    }

    @Test
    void foregroundReturnsTheDaemonsExitCode() throws IOException {
        CliHarness cli = cli("exit 42");
        assertThat(cli.run("daemon", "start", "--foreground").code()).isEqualTo(42);
    }

    @Test
    void theDaemonRunsWithTheFlagsOfTheOptionsFileWhichTheBenchmarksReadToo() throws IOException {
        List<String> passed = startRecorded(recordingCli());
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        List<String> file = Files.readAllLines(root.resolve(
                        "styxy-cli/src/main/resources/io/styxy/cli/daemon.jvm-options")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(file).contains("-XX:+UseSerialGC", "-Xmx96m");
        assertThat(passed.subList(0, file.size())).isEqualTo(file);
        assertThat(passed.get(file.size())).startsWith("--enable-native-access=");
        assertThat(Files.readString(root.resolve("bench/lib.sh"))).contains("io/styxy/cli/daemon.jvm-options");
        assertThat(Files.readString(root.resolve("bench/wrk/run.sh"))).contains("io/styxy/cli/daemon.jvm-options");
    }

    @Test
    void theDaemonGetsItsAotCacheWhenTheBuildMadeOneBesideItsModulesAndNothingWhenNot() throws IOException {
        CliHarness cli = recordingCli();

        assertThat(startRecorded(cli)).noneMatch(a -> a.startsWith("-XX:AOTCache"));

        Path cache = Files.writeString(tmp.resolve("styxy-daemon.aot"), "cache");
        List<String> passed = startRecorded(cli);
        assertThat(passed).contains("-XX:AOTCache=" + cache.toAbsolutePath(), "-Xlog:aot*=error,cds*=error");
        assertThat(passed.indexOf("-XX:AOTCache=" + cache.toAbsolutePath())).as("a JVM flag, before -p")
                .isLessThan(passed.indexOf("-p"));
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        assertThat(Files.readString(root.resolve("bench/lib.sh"))).contains("styxy-daemon.aot");
        assertThat(Files.readString(root.resolve("bench/wrk/run.sh"))).contains("styxy-daemon.aot");
    }

    @Test
    void styxyDaemonJavaOptionsReachTheDaemonAfterItsOwnFlagsAndNothingElse() throws IOException {
        CliHarness cli = recordingCli();
        cli.env.put("STYXY_DAEMON_JAVA_OPTIONS", "  --add-modules=jdk.net   -Dx=1 ");
        List<String> passed = startRecorded(cli);
        int added = passed.indexOf("--add-modules=jdk.net");
        assertThat(added).as("passed on").isPositive();
        assertThat(passed.get(added + 1)).isEqualTo("-Dx=1");
        assertThat(added).as("after the daemon's own flags, before -p")
                .isGreaterThan(passed.indexOf("-XX:+UseSerialGC")).isLessThan(passed.indexOf("-p"));
    }

    @Test
    void installServiceWritesAUnitWithAbsolutePaths() throws IOException {
        CliHarness cli = cli("exit 0");
        cli.env.put("STYXY_LAUNCHER", "/opt/styxy/bin/styxy");
        Path unit = tmp.resolve("units/styxy.service");
        var r = cli.run("daemon", "install-service", "-o", unit.toString(), "--memory-max", "128M");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("systemctl --user enable --now styxy.service");
        String text = Files.readString(unit);
        assertThat(text).contains("ExecStart=/opt/styxy/bin/styxy daemon start --foreground")
                .contains("Restart=on-failure").contains("MemoryMax=128M").contains("RestartPreventExitStatus=3")
                .contains("Environment=STYXY_HOME=" + cli.home).contains("WantedBy=default.target");
        assertThat(cli.run("daemon", "install-service", "-o", unit.toString()).code()).isEqualTo(1);
        assertThat(cli.run("daemon", "install-service", "-o", unit.toString(), "--force", "--json").json())
                .containsKey("written");
        assertThat(cli.run("daemon", "install-service", "-o", unit.toString(), "--force", "--memory-max", "lots")
                .code()).isEqualTo(2);
    }

    @Test
    void durations() {
        assertThat(DaemonCommands.duration(5)).isEqualTo("5s");
        assertThat(DaemonCommands.duration(3725)).isEqualTo("1h 2m 5s");
        assertThat(DaemonCommands.duration(90061)).isEqualTo("1d 1h 1m 1s");
    }
}
