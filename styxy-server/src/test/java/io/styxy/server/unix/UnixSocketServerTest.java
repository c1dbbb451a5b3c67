package io.styxy.server.unix;

import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineSettings;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.ListenerView;
import io.styxy.server.engine.ServiceTypeCatalog;
import io.styxy.server.engine.ServiceTypeWriter;
import io.styxy.server.os.ProcfsProcessTable;
import io.styxy.server.plugins.ServiceTypeSources;
import io.styxy.server.testing.FakePortProbe;
import io.styxy.server.testing.InMemoryLeaseStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Unix socket for real: a socket file, real connections, a real child process for REASSIGN. */
class UnixSocketServerTest {

    @TempDir
    Path dir;
    private Path socket;
    private Engine engine;
    private InMemoryLeaseStore store;
    private UnixSocketServer server;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("styxy.sock");
        store = new InMemoryLeaseStore();
        engine = new Engine(new ServiceTypeCatalog(ServiceTypeSources.builtins()), EngineSettings.defaults(),
                InstantSource.system(), new ProcfsProcessTable(), new FakePortProbe(), ListenerView.none(), store,
                ServiceTypeWriter.inMemory());
        server = UnixSocketServer.start(socket, new LineProtocol(engine, null), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A client connection speaking lines. */
    private record Client(SocketChannel channel, BufferedReader in) implements AutoCloseable {

        static Client connect(Path socket) throws IOException {
            SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            return new Client(ch, new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8)));
        }

        void send(String text) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        String ask(String line) throws IOException {
            send(line + "\n");
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Test
    void theSocketFileIs0600AndASocket() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertThat(mode & 0170000).isEqualTo(0140000);
    }

    @Test
    void pingAndManyRequestsOnOneConnection() throws IOException {
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
            assertThat(c.ask("PING\r")).isEqualTo("OK pong version=1");
            c.send("PING\nCHECK port=3000\nPING\n");
            assertThat(c.in().readLine()).isEqualTo("OK pong version=1");
            assertThat(c.in().readLine()).isEqualTo("OK port=3000 available=true");
            assertThat(c.in().readLine()).isEqualTo("OK pong version=1");
        }
    }

    @Test
    void reassignForARealChildProcessLeasesToItsPidAndDiesWithIt() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            String answer;
            try (Client c = Client.connect(socket)) {
                answer = c.ask("REASSIGN pid=" + child.pid() + " port=8000 proto=tcp");
            }
            assertThat(answer).matches("OK port=\\d+ type=api lock=[0-9a-f-]{36}");
            Map<String, String> f = LineProtocolTest.fields(answer);
            Lease lease = engine.lease(f.get("lock")).orElseThrow();
            assertThat(lease.owner().pid()).isEqualTo(child.pid());
            assertThat(lease.owner().startTime()).isPositive();
            assertThat(lease.port()).isEqualTo(Integer.parseInt(f.get("port")));
            assertThat(lease.serviceName()).isEqualTo("sleep");
            assertThat(engine.reassignments(8000)).hasSize(1);

            engine.sweep();
            assertThat(engine.leaseCount()).isEqualTo(1);
            child.destroy();
            assertThat(child.waitFor(5, TimeUnit.SECONDS)).isTrue();
            engine.sweep();
            assertThat(engine.lease(f.get("lock"))).isEmpty();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void badLinesAreAnsweredAndTheConnectionGoesOn() throws IOException {
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("NOPE")).startsWith("ERR code=UNKNOWN_VERB ");
            assertThat(c.ask("REASSIGN pid=x")).startsWith("ERR code=BAD_REQUEST ");
            assertThat(c.ask("")).startsWith("ERR code=BAD_REQUEST ");
            assertThat(c.ask("\u00ff\u00fe garbage \u0000")).startsWith("ERR code=");
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
        }
    }

    @Test
    void aLineOver1024BytesIsRefusedAndTheConnectionClosed() throws IOException {
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING pad=" + "x".repeat(1015))).isEqualTo("OK pong version=1"); // 1024 bytes
            c.send("PING pad=" + "x".repeat(1016) + "\n");
            assertThat(c.in().readLine()).startsWith("ERR code=BAD_REQUEST line longer than 1024");
            assertThat(c.in().readLine()).isNull();
        }
        try (Client c = Client.connect(socket)) {
            c.send("x".repeat(5000));
            assertThat(c.in().readLine()).startsWith("ERR code=BAD_REQUEST line longer than 1024");
            assertThat(c.in().readLine()).isNull();
        }
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
        }
    }

    @Test
    void idleConnectionsAreClosed() throws IOException {
        server.close();
        server = UnixSocketServer.start(socket, new LineProtocol(engine, null), Duration.ofMillis(300));
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
            long t0 = System.nanoTime();
            assertThat(c.in().readLine()).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aStaleSocketFileIsReplacedButALiveOneAndOtherFilesAreNot() throws IOException {
        server.close();
        server = null;
        // A daemon that died without cleaning up leaves its socket file behind.
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close();
        assertThat(socket).exists();
        server = UnixSocketServer.start(socket, new LineProtocol(engine, null), Duration.ofSeconds(30));
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
        }
        // A live one belongs to a running daemon.
        assertThatThrownBy(() -> UnixSocketServer.start(socket, new LineProtocol(engine, null), Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class).hasMessageContaining("another process answers");
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
        }
        // Something that is not a socket is not ours to delete.
        Path plain = dir.resolve("notes.txt");
        Files.writeString(plain, "keep me");
        assertThatThrownBy(() -> UnixSocketServer.start(plain, new LineProtocol(engine, null), Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a socket");
        assertThat(Files.readString(plain)).isEqualTo("keep me");
    }

    @Test
    void moreLongLivedConnectionsThanWaitingThreadsAreAllServedAndNewOnesStillAnswered() throws Exception {
        java.util.List<Client> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                Client c = Client.connect(socket);
                held.add(c);
                assertThat(c.ask("PING")).as("connection %d", i).isEqualTo("OK pong version=1");
            }
            assertThat(server.connections()).isEqualTo(12);
            for (Client c : held) {
                assertThat(c.ask("CHECK port=3000")).isEqualTo("OK port=3000 available=true");
            }
            try (Client fresh = Client.connect(socket)) {
                assertThat(fresh.ask("PING")).isEqualTo("OK pong version=1");
            }
        } finally {
            for (Client c : held) {
                c.close();
            }
        }
        // The threads started for them end with them: back to the four that wait at the door.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (serverThreads() > 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(serverThreads()).isEqualTo(4);
        assertThat(server.connections()).isZero();
    }

    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().matches("styxy-unix-\\d+")).count();
    }

    @Test
    void thePeerIsWhatTheKernelSaysItIs() throws IOException {
        server.close();
        java.util.concurrent.atomic.AtomicReference<UnixSocketServer.Peer> seen =
                new java.util.concurrent.atomic.AtomicReference<>();
        server = UnixSocketServer.start(socket, new LineProtocol(engine, null), Duration.ofSeconds(30),
                peer -> seen.compareAndSet(null, peer) || true);
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
        }
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        assertThat(seen.get()).isEqualTo(new UnixSocketServer.Peer(ProcessHandle.current().pid(), uid,
                (Integer) Files.getAttribute(dir, "unix:gid")));
    }

    @Test
    void closingEndsOpenConnectionsAndStopsAnswering() throws IOException {
        Client open = Client.connect(socket);
        try {
            assertThat(open.ask("PING")).isEqualTo("OK pong version=1");
            server.close();
            assertThat(open.in().readLine()).as("the open connection ends").isNull();
        } finally {
            open.close();
        }
        assertThat(socket).doesNotExist();
        assertThatThrownBy(() -> Client.connect(socket)).isInstanceOf(IOException.class);
        server = null;
    }

    @Test
    void aSocketPathTooLongForTheKernelIsAClearError() {
        server.close();
        server = null;
        Path deep = dir.resolve("d".repeat(100)).resolve("styxy.sock");
        assertThatThrownBy(() -> {
            Files.createDirectories(deep.getParent());
            UnixSocketServer.start(deep, new LineProtocol(engine, null), Duration.ofSeconds(1));
        }).isInstanceOf(IOException.class).hasMessageContaining("at most 107").hasMessageContaining("STYXY_SOCKET");
    }

    @Test
    void closingRemovesTheSocketFile() {
        server.close();
        assertThat(socket).doesNotExist();
        server = null;
    }

    @Test
    void peersOfAnotherUserAreDisconnectedWithoutAnAnswer() throws IOException {
        server.close();
        server = UnixSocketServer.start(socket, new LineProtocol(engine, null), Duration.ofSeconds(30),
                peer -> false);
        try (Client c = Client.connect(socket)) {
            assertThat(answerOrNothing(c)).isNull();
        }
        assertThat(server.refusedPeers()).isEqualTo(1);
    }

    /** The answer to PING, or null when the server hung up (before or after the request was written). */
    private static String answerOrNothing(Client c) {
        try {
            c.send("PING\n");
            return c.in().readLine();
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void aRealProcessOfAnotherUserIsRefused() throws Exception {
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "needs root to run a client as another user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/python3"))
                || Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv");
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : null;
        assumeTrue(python != null, "needs /usr/bin/python3");
        // Open the file and the directory to everyone, so only the SO_PEERCRED check stands in the way.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String script = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\n"
                + "s.connect(sys.argv[1])\n"
                + "print('CONNECTED', flush=True)\n"
                + "try:\n"
                + "    s.sendall(b'PING\\n')\n"
                + "    print('ANSWER:'+s.recv(100).decode())\n"
                + "except OSError as e:\n"
                + "    print('CLOSED:'+type(e).__name__)\n";
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                python, "-c", script, socket.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("CONNECTED").doesNotContain("pong").containsAnyOf("CLOSED:", "ANSWER:\n");
        assertThat(server.refusedPeers()).isEqualTo(1);
        // The daemon's own user is still served.
        try (Client c = Client.connect(socket)) {
            assertThat(c.ask("PING")).isEqualTo("OK pong version=1");
        }
    }
}
