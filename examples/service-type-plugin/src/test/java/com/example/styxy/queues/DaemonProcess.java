package com.example.styxy.queues;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Styxy daemon run as its own process from a directory of its modules ({@code -Dstyxy.modules}), with a
 * temporary {@code STYXY_HOME} and a port the kernel picks: how a plugin is tested against the real thing.
 */
final class DaemonProcess implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path home;
    private final int port;
    private final String token;

    private DaemonProcess(Process process, Path home, int port, String token) {
        this.process = process;
        this.home = home;
        this.port = port;
        this.token = token;
    }

    /**
     * Starts the daemon on {@code home} (whose {@code plugins/} is already filled), with {@code STYXY_HOME} set to it
     * and {@code extra} daemon options, and waits for it to answer.
     */
    static DaemonProcess start(Path home, String... extra) throws Exception {
        Path modules = Path.of(System.getProperty("styxy.modules", "../../styxy-server/target/modules"));
        if (!Files.isDirectory(modules)) {
            throw new IllegalStateException("no daemon modules in " + modules.toAbsolutePath()
                    + "; package styxy-server first (./mvnw verify builds it before the examples)");
        }
        Files.createDirectories(home);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx96m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server",
                "-p", modules.toString(), "-m", "io.styxy.server/io.styxy.server.daemon.DaemonMain",
                "--home", home.toString(), "--port", "0", "--socket", home.resolve("styxy.sock").toString()));
        command.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("daemon.out").toFile()));
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove("STYXY_DAEMON_PORT");
        pb.environment().remove("STYXY_SOCKET");
        pb.environment().put("STYXY_HOME", home.toString());
        Process process = pb.start();
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + ": " + log(home));
            }
            Path info = home.resolve("daemon.json");
            if (Files.exists(info)) {
                int port = JSON.readTree(info.toFile()).path("http_port").asInt();
                String token = Files.readString(home.resolve("auth.token")).trim();
                return new DaemonProcess(process, home, port, token);
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("daemon did not start within 30 s: " + log(home));
    }

    static String log(Path home) throws IOException {
        Path out = home.resolve("daemon.out");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    String log() throws IOException {
        return log(home);
    }

    /** One HTTP call with the daemon's token; the JSON answer, or an exception naming the status. */
    JsonNode call(String method, String path, Object body) throws IOException {
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
                JSON.writeValue(out, body);
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            JsonNode answer = JSON.readTree(in == null ? new byte[0] : in.readAllBytes());
            if (status != 200) {
                throw new IOException(method + " " + path + " answered " + status + ": " + answer);
            }
            return answer;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
