package io.styxy.server.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run behind the daemon's AOT cache ({@code styxy-server/target/styxy-daemon.aot}, made by the build
 * with {@code -XX:AOTCacheOutput}): a real daemon in a temporary home, driven through its real endpoints the way its
 * clients drive it — HTTP allocate, release and check, the Unix socket's {@code REASSIGN} on a new connection per
 * request as the interposer sends it, and a connection of {@code ALLOCATE}/{@code RELEASE}/{@code CHECK}. The cache
 * then holds those classes loaded and linked and their methods' profiles, so a started daemon compiles its request
 * paths sooner and not while its first clients wait (docs/performance.md, "AOT cache").
 *
 * <p>Not a test and not a benchmark: it asserts nothing beyond the daemon answering, and it returns normally, because
 * the JVM writes the cache on a normal exit (the daemon's own main ends with {@code Runtime.halt}).
 */
public final class AotTraining {

    private static final int HTTP_CYCLES = 3_000;
    private static final int CONFLICTS = 2_000;
    private static final int SOCKET_CYCLES = 2_000;

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        // The build's output is not the place for the daemon's start and stop lines.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Path home = Files.createTempDirectory("styxy-aot-training");
        try {
            Daemon daemon = Daemon.start(new DaemonOptions(home, 0, home.resolve("styxy.sock"), null, null));
            try {
                String token = Files.readString(home.resolve("auth.token")).strip();
                http(daemon.httpPort(), token);
                socket(home.resolve("styxy.sock"));
            } finally {
                daemon.close();
            }
        } finally {
            deleteTree(home);
        }
    }

    /** One keep-alive connection, as a client library would hold it. */
    private static void http(int port, String token) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < HTTP_CYCLES; i++) {
                String granted = exchange(out, in, port, token, "POST", "/allocate", "{\"service_type\":\"dev\"}");
                String lock = field(granted, "lock_id");
                exchange(out, in, port, token, "DELETE", "/allocate/" + lock, null);
                exchange(out, in, port, token, "GET", "/check/3000", null);
                if (i % 100 == 0) {
                    exchange(out, in, port, token, "GET", "/v1/status", null);
                    exchange(out, in, port, token, "GET", "/v1/leases", null);
                }
            }
        }
    }

    private static void socket(Path path) throws IOException {
        long pid = ProcessHandle.current().pid();
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        for (int i = 0; i < CONFLICTS; i++) {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(address);
                String answer = line(c, "REASSIGN pid=" + pid + " port=8000 proto=tcp");
                line(c, "RELEASE lock=" + token(answer, "lock="));
            }
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(address);
            for (int i = 0; i < SOCKET_CYCLES; i++) {
                String answer = line(c, "ALLOCATE type=dev pid=" + pid);
                line(c, "RELEASE lock=" + token(answer, "lock="));
                line(c, "CHECK port=3000");
            }
        }
    }

    private static String exchange(OutputStream out, InputStream in, int port, String token, String method,
                                   String path, String body) throws IOException {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer "
                + token + "\r\n" + (body == null ? "" : "Content-Type: application/json\r\n")
                + "Content-Length: " + payload.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(payload);
        out.flush();
        String headers = readHeaders(in);
        if (!headers.startsWith("HTTP/1.1 2")) {
            throw new IOException(method + " " + path + " answered " + headers.lines().findFirst().orElse(""));
        }
        int length = 0;
        for (String h : headers.split("\r\n")) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).strip());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the daemon closed the connection");
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static String line(SocketChannel c, String request) throws IOException {
        c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (buf.position() == 0 || buf.get(buf.position() - 1) != '\n') {
            if (c.read(buf) < 0) {
                throw new IOException("the daemon closed the socket after " + request);
            }
        }
        String answer = new String(buf.array(), 0, buf.position() - 1, StandardCharsets.UTF_8);
        if (!answer.startsWith("OK")) {
            throw new IOException(request + " answered " + answer);
        }
        return answer;
    }

    private static String token(String answer, String key) {
        for (String part : answer.split(" ")) {
            if (part.startsWith(key)) {
                return part.substring(key.length());
            }
        }
        throw new IllegalStateException("no " + key + " in " + answer);
    }

    /** The value of a string field in a flat JSON answer; enough for the daemon's own replies. */
    private static String field(String json, String name) {
        String key = "\"" + name + "\":\"";
        int start = json.indexOf(key);
        if (start < 0) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        start += key.length();
        return json.substring(start, json.indexOf('"', start));
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
