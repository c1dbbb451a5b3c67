package io.styxy.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real daemon, started from the packaged modules as its own process with a temporary STYXY_HOME on a port the
 * kernel picks. Never the user's home, never port 9876.
 */
public final class RunningDaemon implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final Process process;
    private final int port;
    private final String token;

    private RunningDaemon(Path home, Process process, int port, String token) {
        this.home = home;
        this.process = process;
        this.port = port;
        this.token = token;
    }

    public static List<String> command(Path home, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("styxy.java", "java"),
                "-XX:+UseSerialGC", "-Xms16m", "-Xmx96m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server",
                "-p", System.getProperty("styxy.modules", "target/modules"),
                "-m", "io.styxy.server/io.styxy.server.daemon.DaemonMain",
                "--home", home.toString(), "--port", "0", "--socket", home.resolve("styxy.sock").toString()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    public static Process launch(Path home, String... extra) throws IOException {
        return launch(home, home.resolve("daemon.out"), extra);
    }

    /** Launches the daemon with its output appended to {@code out} (outside a home that may be read-only). */
    public static Process launch(Path home, Path out, String... extra) throws IOException {
        return launch(home, out, Map.of(), extra);
    }

    /** Launches the daemon with {@code env} added to this JVM's environment. */
    public static Process launch(Path home, Path out, Map<String, String> env, String... extra) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(home, extra))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove("STYXY_DAEMON_PORT");
        pb.environment().put("STYXY_DISABLE_REASSIGN", "1");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Starts the daemon and waits until it answers {@code /status}. */
    public static RunningDaemon start(Path home, String... extra) throws Exception {
        return start(home, Map.of(), extra);
    }

    /** Starts the daemon with {@code env} added to its environment and waits until it answers. */
    public static RunningDaemon start(Path home, Map<String, String> env, String... extra) throws Exception {
        Files.createDirectories(home);
        Files.deleteIfExists(home.resolve("daemon.json"));
        Path out = home.resolve("daemon.out");
        return attach(home, launch(home, out, env, extra), out, home.resolve("daemon.json"));
    }

    /** Starts the daemon with its output in {@code out} (beside the home) and waits until it answers. */
    public static RunningDaemon start(Path home, Path out, String... extra) throws Exception {
        Files.createDirectories(home);
        Files.deleteIfExists(home.resolve("daemon.json"));
        return attach(home, launch(home, out, extra), out, home.resolve("daemon.json"));
    }

    /**
     * Starts the daemon on a read-only home: its output in {@code out}, its daemon.json where such a daemon writes
     * it, in the runtime directory under the home's key (the CLI looks there too).
     */
    public static RunningDaemon startReadOnly(Path home, Path out, String... extra) throws Exception {
        Path info = runtimeInfo(home);
        Files.deleteIfExists(info);
        return attach(home, launch(home, out, extra), out, info);
    }

    /** Where a daemon on the read-only {@code home} writes daemon.json. */
    public static Path runtimeInfo(Path home) throws IOException {
        return io.styxy.server.config.StateDir.runtimeDir()
                .resolve(io.styxy.server.config.StateDir.runtimeKey(home) + ".json");
    }

    private static RunningDaemon attach(Path home, Process process, Path out, Path info) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + ": "
                        + Files.readString(out));
            }
            if (Files.exists(info)) {
                JsonNode node = JSON.readTree(info.toFile());
                int port = node.path("http_port").asInt();
                String token = Files.readString(home.resolve("auth.token")).trim();
                RunningDaemon daemon = new RunningDaemon(home, process, port, token);
                if (daemon.call("GET", "/status", null).status() == 200) {
                    return daemon;
                }
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("daemon did not answer within 30 s: " + Files.readString(out));
    }

    public record Answer(int status, JsonNode body) {
    }

    public Answer call(String method, String path, Object body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(10_000);
        c.setRequestProperty("Authorization", "Bearer " + token);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body));
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            byte[] bytes = in == null ? new byte[0] : in.readAllBytes();
            return new Answer(status, bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes));
        }
    }

    public JsonNode allocate(Map<String, ?> request) throws IOException {
        Answer a = call("POST", "/allocate", request);
        if (a.status() != 200) {
            throw new IllegalStateException("allocate answered " + a.status() + ": " + a.body());
        }
        return a.body();
    }

    public List<JsonNode> allocations() throws IOException {
        List<JsonNode> list = new ArrayList<>();
        call("GET", "/allocations", null).body().path("allocations").forEach(list::add);
        return list;
    }

    public int port() {
        return port;
    }

    public Path home() {
        return home;
    }

    public Process process() {
        return process;
    }

    /** SIGTERM and wait for the exit. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook runs. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
