package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code styxy ui}: asks for a one-time login link with the token, then opens it with xdg-open or prints it. */
class UiCommandTest {
    static final String TOKEN = "cd".repeat(32);
    static final String URL = "http://127.0.0.1:9876/ui/login?code=AbCdEf0123456789-_AbCdEf0123456789-_AbCdEf0";

    @TempDir
    Path tmp;
    FakeDaemon daemon;
    CliHarness cli;
    Path bin;

    @BeforeEach
    void setUp() throws IOException {
        daemon = new FakeDaemon().on("POST", "/v1/ui/login-links", 201,
                "{\"url\":\"" + URL + "\",\"expires_in\":60}");
        cli = new CliHarness(tmp).port(daemon.port()).token(TOKEN);
        bin = Files.createDirectories(tmp.resolve("bin"));
        cli.env.put("PATH", bin.toString());
    }

    @AfterEach
    void tearDown() {
        daemon.close();
    }

    /** An xdg-open that records its arguments and exits with {@code code}. */
    Path opener(int code) throws IOException {
        Path log = tmp.resolve("opened.txt");
        Path script = bin.resolve("xdg-open");
        Files.writeString(script, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + log + "'\nexit " + code + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return log;
    }

    @Test
    void printUrlAsksTheDaemonWithTheTokenAndPrintsOnlyTheLink() throws IOException {
        Path log = opener(0);
        var r = cli.run("ui", "--print-url");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(URL + System.lineSeparator());
        assertThat(r.err()).isEmpty();
        FakeDaemon.Request req = daemon.last();
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/v1/ui/login-links");
        assertThat(req.header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(log).as("--print-url opens nothing").doesNotExist();
    }

    @Test
    void opensTheLinkWithXdgOpen() throws IOException {
        Path log = opener(0);
        var r = cli.run("ui");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Opened the live port map in your browser.").doesNotContain(URL)
                .doesNotContain(TOKEN);
        assertThat(Files.readString(log)).isEqualTo(URL + "\n");
    }

    @Test
    void withoutXdgOpenItPrintsTheLinkAndSaysSo() {
        var r = cli.run("ui");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("There is no xdg-open here to start a browser")
                .contains("within 60 s (it works once)").contains(URL);
    }

    @Test
    void aFailingXdgOpenFallsBackToPrintingTheLink() throws IOException {
        opener(3);
        var r = cli.run("ui");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("xdg-open could not open a browser (exit 3)").contains(URL);
    }

    @Test
    void jsonIsOneDocument() throws IOException {
        opener(0);
        var r = cli.run("ui", "--json");
        assertThat(r.code()).isZero();
        Map<String, Object> doc = r.json();
        assertThat(doc).containsEntry("url", URL).containsEntry("expires_in", 60L).containsEntry("opened", true);
        var printed = cli.run("ui", "--print-url", "--json");
        assertThat(printed.json()).containsEntry("opened", false);
    }

    @Test
    void aRefusedTokenExitsSix() {
        daemon.on("POST", "/v1/ui/login-links", 401,
                "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"Invalid API key\",\"status\":401}}");
        var r = cli.run("ui", "--print-url");
        assertThat(r.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anOlderDaemonWithoutTheRouteIsNamedAsSuch() {
        daemon.on("POST", "/v1/ui/login-links", 404,
                "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no route POST /v1/ui/login-links\",\"status\":404}}");
        var r = cli.run("ui");
        assertThat(r.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.err()).contains("older than this client");
    }
}
