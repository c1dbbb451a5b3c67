package io.styxy.server.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AOT cache the build makes for the daemon ({@code target/styxy-daemon.aot}, from {@code AotTraining}) fits the
 * packaged modules and the daemon's own flags: started with {@code -XX:AOTMode=on}, which makes the JVM refuse to
 * start rather than run without a cache it cannot use, the daemon comes up and answers.
 */
class AotCacheIT {

    @TempDir
    Path home;

    @Test
    void theDaemonStartsOnTheCacheTheBuildMadeAndAnswers() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("styxy.aot.skip"), "the build was told to skip the AOT cache");
        Path modules = Path.of(System.getProperty("styxy.modules", "target/modules")).toAbsolutePath();
        Path cache = modules.resolveSibling("styxy-daemon.aot");
        assertThat(cache).as("made by the package phase").isRegularFile();
        assertThat(Files.size(cache)).isGreaterThan(1 << 20);

        Path options = modules.getParent().getParent().getParent()
                .resolve("styxy-cli/src/main/resources/io/styxy/cli/daemon.jvm-options");
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("styxy.java", "java"), "@" + options,
                "-XX:AOTCache=" + cache, "-XX:AOTMode=on",
                "--enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server",
                "-p", modules.toString(), "-m", "io.styxy.server/io.styxy.server.daemon.DaemonMain",
                "--home", home.toString(), "--port", "0", "--socket", home.resolve("styxy.sock").toString()));
        Path out = home.resolveSibling(home.getFileName() + ".out");
        Process daemon = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            int port = awaitPort(daemon, out);
            HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/status")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("\"status\"");
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(out);
        }
        assertThat(daemon.exitValue()).as("a clean stop").isZero();
    }

    private int awaitPort(Process daemon, Path out) throws Exception {
        Pattern port = Pattern.compile("\"http_port\"\\s*:\\s*(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited with " + daemon.exitValue() + ":\n"
                        + Files.readString(out));
            }
            Path info = home.resolve("daemon.json");
            if (Files.exists(info)) {
                Matcher m = port.matcher(Files.readString(info));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no daemon.json within 30 s:\n" + Files.readString(out));
    }
}
