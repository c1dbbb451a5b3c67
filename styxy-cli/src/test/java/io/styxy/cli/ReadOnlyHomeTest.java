package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a daemon whose home is read-only: found through the runtime daemon.json, refusals explained. */
class ReadOnlyHomeTest {

    @TempDir
    Path tmp;

    /** The same SHA-256 prefix the daemon computes (StateDirReadOnlyTest holds the same pair). */
    @Test
    void theRuntimeKeyIsTheDaemonsOne() throws IOException {
        assertThat(DaemonFiles.runtimeKey(Path.of("/"))).isEqualTo("8a5edab282632443");
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), home);
        assertThat(DaemonFiles.runtimeKey(link)).isEqualTo(DaemonFiles.runtimeKey(home));
        assertThat(DaemonFiles.runtimeKey(tmp.resolve("missing"))).isNull();
    }

    @Test
    void aDaemonOnAReadOnlyHomeIsFoundThroughItsRuntimeDaemonJson() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon()) {
            daemon.on("GET", "/v1/status", 200, "{\"status\":\"read_only\",\"read_only\":true,\"read_only_reason\":"
                    + "\"STYXY_HOME /x is read-only (read-only file system): remount it read-write or point"
                    + " STYXY_HOME at a writable directory, then restart the daemon\",\"pid\":1,\"leases\":2}");
            daemon.on("POST", "/v1/leases", 503, "{\"error\":{\"code\":\"STATE_READ_ONLY\",\"message\":\"STYXY_HOME"
                    + " /x is read-only (read-only file system): remount it read-write or point STYXY_HOME at a"
                    + " writable directory, then restart the daemon\",\"status\":503}}");
            CliHarness cli = new CliHarness(tmp).token("ab".repeat(32));
            Ctx ctx = new Ctx(null, null, cli.env, cli.cwd, cli.home, false, false);
            Path info = DaemonFiles.runtimeDaemonJson(ctx);
            assertThat(info).isNotNull();
            Files.createDirectories(info.getParent());
            // A stale daemon.json in the home (its daemon crashed before the home went read-only) loses to it.
            Files.writeString(cli.home.resolve("daemon.json"), "{\"pid\":999999999,\"http_port\":1}\n");
            Files.writeString(info, "{\"pid\":" + ProcessHandle.current().pid() + ",\"http_port\":" + daemon.port()
                    + ",\"socket\":null,\"home\":\"" + cli.home + "\",\"read_only\":true}\n");
            try {
                assertThat(DaemonFiles.read(ctx).httpPort()).isEqualTo(daemon.port());
                var status = cli.run("daemon", "status");
                assertThat(status.code()).as(status.err()).isZero();
                assertThat(status.out()).contains("Styxy daemon is running read-only")
                        .contains("mode").contains("remount it read-write");
                var refused = cli.run("allocate", "-s", "dev");
                assertThat(refused.code()).isEqualTo(ExitCodes.FAILED);
                assertThat(refused.err()).contains("STYXY_HOME /x is read-only")
                        .contains("serves reads only").doesNotContain("daemon's log");
            } finally {
                Files.deleteIfExists(info);
            }
            assertThat(DaemonFiles.read(ctx).httpPort()).as("back to the home's").isEqualTo(1);
        }
    }
}
