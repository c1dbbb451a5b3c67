package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellAndRunTest {

    @TempDir
    Path tmp;
    FakeDaemon daemon;
    CliHarness cli;
    Path lib;

    @BeforeEach
    void setUp() throws IOException {
        daemon = new FakeDaemon();
        cli = new CliHarness(tmp).port(daemon.port()).token("ef".repeat(32));
        lib = tmp.resolve("lib/libstyxy-interpose.so");
        Files.createDirectories(lib.getParent());
        Files.writeString(lib, "");
        cli.env.put("STYXY_PRELOAD_LIBRARY", lib.toString());
    }

    @AfterEach
    void tearDown() {
        daemon.close();
    }

    static String bash(String script, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void shellInitTurnsThePreloadOnOnceAndKeepsWhatWasThere() throws Exception {
        String code = cli.run("shell-init", "bash").out();
        Path f = tmp.resolve("init.sh");
        Files.writeString(f, code);
        // LD_PRELOAD is only set for the evaluating shell and checked there, never preloaded for real
        String script = "source '" + f + "'; source '" + f + "'; printf '%s' \"$LD_PRELOAD\"";
        assertThat(bash("unset LD_PRELOAD; " + script, Map.of())).isEqualTo(lib.toString());
        assertThat(bash("LD_PRELOAD=/other.so; " + script, Map.of())).isEqualTo("/other.so " + lib);
        assertThat(cli.run("shell-init", "fish").out()).contains("set -gx LD_PRELOAD");
        assertThat(cli.run("shell-init", "tcsh").code()).isEqualTo(2);
    }

    @Test
    void shellInitAndPreloadPathFailWhenTheLibraryIsMissing() throws IOException {
        Files.delete(lib);
        var r = cli.run("shell-init");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("not built");
        assertThat(cli.run("preload-path").code()).isEqualTo(1);
    }

    @Test
    void preloadPathPrintsTheAbsolutePath() throws IOException {
        assertThat(cli.run("preload-path").out().strip()).isEqualTo(lib.toString());
        assertThat(cli.run("preload-path", "--json").json()).containsEntry("path", lib.toString());
    }

    @Test
    void appendPreloadIsIdempotent() {
        assertThat(ShellCommands.appendPreload(null, "/a.so")).isEqualTo("/a.so");
        assertThat(ShellCommands.appendPreload("/x.so:/a.so", "/a.so")).isEqualTo("/x.so:/a.so");
        assertThat(ShellCommands.appendPreload("/x.so", "/a.so")).isEqualTo("/x.so /a.so");
    }

    @Test
    void completionScripts() throws Exception {
        String bashScript = cli.run("completion", "bash").out();
        assertThat(bashScript).contains("complete").contains("allocate").contains("install-service");
        Path f = tmp.resolve("c.bash");
        Files.writeString(f, bashScript);
        bash("source '" + f + "'; complete -p styxy", Map.of());
        String fish = cli.run("completion", "fish").out();
        assertThat(fish).contains("-a 'allocate'").contains("-l json").contains("__fish_seen_subcommand_from daemon");
    }

    @Test
    void runExportsThePortPreloadsAndReleasesAndPropagatesTheExitCode() throws Exception {
        String lease = CommandsTest.LEASE.replace("3000", "3456");
        daemon.on("POST", "/v1/leases", 201, "{\"lease\":" + lease + "}");
        daemon.on("DELETE", "/v1/leases/L1", 200, "{\"released\":[" + lease + "]}");
        Path seen = tmp.resolve("seen");
        cli.env.put("LD_PRELOAD", "/existing.so");
        var r = cli.run("run", "-s", "api", "--", "bash", "-c",
                "echo \"$PORT $STYXY_PORT $LD_PRELOAD\" > '" + seen + "'; exit 7");
        assertThat(r.code()).isEqualTo(7);
        assertThat(Files.readString(seen).strip()).isEqualTo("3456 3456 /existing.so " + lib);
        Map<String, Object> body = Json.parseObject(daemon.requests.getFirst().body());
        assertThat(body).containsEntry("service_type", "api").containsEntry("service_name", "bash")
                .containsEntry("pid", ProcessHandle.current().pid());
        assertThat(daemon.last().method()).isEqualTo("DELETE");
        assertThat(daemon.last().path()).isEqualTo("/v1/leases/L1");
    }

    @Test
    void runOfAMissingCommandLeasesNothingAndExits127() {
        daemon.on("POST", "/v1/leases", 201, "{\"lease\":" + CommandsTest.LEASE + "}");
        daemon.on("DELETE", "/v1/leases/L1", 200, "{\"released\":[]}");
        var r = cli.run("run", "--", "no-such-command-styxy");
        assertThat(r.code()).isEqualTo(127);
        assertThat(r.err()).contains("command not found");
        assertThat(daemon.requests).isEmpty(); // nothing leased for a command that cannot run
        assertThat(cli.run("run").code()).isEqualTo(2);
    }

    @Test
    void runDoesNotReleaseAReusedSingleton() {
        daemon.on("POST", "/v1/leases", 200, "{\"lease\":" + CommandsTest.LEASE + ",\"existing\":true}");
        assertThat(cli.run("run", "-s", "ai", "--", "true").code()).isZero();
        assertThat(daemon.requests).hasSize(1);
    }

    @Test
    void theToolProviderIsFoundByName() {
        Optional<ToolProvider> tool = ToolProvider.findFirst("styxy");
        assertThat(tool).isPresent();
        var out = new java.io.StringWriter();
        int code = tool.get().run(new java.io.PrintWriter(out), new java.io.PrintWriter(new java.io.StringWriter()),
                "version");
        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("styxy ");
        assertThat(Main.run(new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(new java.io.StringWriter()), "nope")).isEqualTo(2);
        assertThat(List.of(Main.class.getModule().getName())).containsExactly("io.styxy.cli");
    }
}
