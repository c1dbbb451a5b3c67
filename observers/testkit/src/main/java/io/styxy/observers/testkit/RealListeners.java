package io.styxy.observers.testkit;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Real sockets opened by a test, closed together. */
public final class RealListeners implements AutoCloseable {

    /** What an observer should report for one opened socket. */
    public record Expected(Protocol protocol, AddressFamily family, String address, int port, long pid) {
        @Override
        public String toString() {
            return protocol.wireName() + " " + address + ":" + port + " pid " + pid;
        }
    }

    private final List<NetworkChannel> channels = new ArrayList<>();
    private final List<Expected> expected = new ArrayList<>();

    /** Whether this machine has IPv6 loopback. */
    public static boolean hasIpv6() {
        try {
            NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("::1"));
            return lo != null && Files.exists(Path.of("/proc/net/tcp6"));
        } catch (IOException e) {
            return false;
        }
    }

    /** A TCP listener of the given family on {@code address} and a kernel-chosen port. */
    public Expected tcp(AddressFamily family, String address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(family == AddressFamily.IPV4
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        channels.add(ch);
        ch.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        Expected e = new Expected(Protocol.TCP, family, address, port, ProcessHandle.current().pid());
        expected.add(e);
        return e;
    }

    /** A TCP listener of the given family on {@code address} and a given port. */
    public Expected tcpOnPort(AddressFamily family, String address, int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(family == AddressFamily.IPV4
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            ch.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        channels.add(ch);
        Expected e = new Expected(Protocol.TCP, family, address, port, ProcessHandle.current().pid());
        expected.add(e);
        return e;
    }

    /** A bound, unconnected UDP socket of the given family on {@code address} and a kernel-chosen port. */
    public Expected udp(AddressFamily family, String address) throws IOException {
        DatagramChannel ch = DatagramChannel.open(family == AddressFamily.IPV4
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        channels.add(ch);
        ch.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        Expected e = new Expected(Protocol.UDP, family, address, port, ProcessHandle.current().pid());
        expected.add(e);
        return e;
    }

    /** Everything opened so far. */
    public List<Expected> expected() {
        return List.copyOf(expected);
    }

    @Override
    public void close() {
        for (NetworkChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        channels.clear();
        expected.clear();
    }

    /** {@code python3 -u -m http.server 0 --bind 127.0.0.1}: a foreign process listening on a kernel-chosen port. */
    public static final class PythonHttpServer implements AutoCloseable {

        private static final Pattern SERVING = Pattern.compile("port (\\d+)");

        private final Process process;
        private final int port;

        private PythonHttpServer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        /** The python3 to use: the system one first, else the first on PATH. */
        public static Optional<Path> python() {
            for (String candidate : List.of("/usr/bin/python3", "/usr/local/bin/python3")) {
                if (Files.isExecutable(Path.of(candidate))) {
                    return Optional.of(Path.of(candidate));
                }
            }
            String path = System.getenv("PATH");
            if (path != null) {
                for (String dir : path.split(":")) {
                    Path p = Path.of(dir.isEmpty() ? "." : dir, "python3");
                    if (Files.isExecutable(p)) {
                        return Optional.of(p);
                    }
                }
            }
            return Optional.empty();
        }

        public static PythonHttpServer start(Path python, Path cwd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(python.toString(), "-u", "-m", "http.server", "0", "--bind", "127.0.0.1")
                    .directory(cwd.toFile())
                    .redirectErrorStream(true)
                    .start();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        Matcher m = SERVING.matcher(line);
                        if (!port.isDone() && m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        }
                    }
                    port.completeExceptionally(new IOException("python3 http.server exited without a port"));
                } catch (IOException e) {
                    port.completeExceptionally(e);
                }
            });
            try {
                return new PythonHttpServer(p, port.get(20, TimeUnit.SECONDS));
            } catch (Exception e) {
                p.destroyForcibly();
                throw new IOException("python3 http.server did not report its port: " + e, e);
            }
        }

        public int port() {
            return port;
        }

        public long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until {@code check} holds or {@code timeout} passes. */
    public static boolean eventually(Duration timeout, java.util.function.BooleanSupplier check)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return check.getAsBoolean();
    }

}
