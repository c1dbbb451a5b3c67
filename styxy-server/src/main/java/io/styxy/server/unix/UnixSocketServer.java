package io.styxy.server.unix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves the {@link LineProtocol} on a Unix-domain socket, with the socket system calls themselves ({@link
 * SocketCalls}). {@value #ACCEPTORS} platform threads wait in {@code accept4} on the same socket at once — the kernel
 * wakes exactly one per connection — and each serves the connection it accepted itself, so a conflict of the
 * interposer (one connection, one line) wakes one daemon thread. The JDK's channel let one thread at a time into
 * {@code accept} and woke the next waiter at every connection, a second thread hop per conflict; its {@code
 * SO_PEERCRED} looked the peer's user and group up by name in {@code /etc/passwd} and {@code /etc/group} on every
 * connection. When no acceptor is left waiting (all serve long-lived connections), one more thread is started, and
 * threads beyond {@value #ACCEPTORS} end when their connection does.
 *
 * <p>The socket file is 0600; a stale one left by a dead daemon is removed at start (a live one is not: that daemon
 * still answers). Every connection's peer is checked with {@code SO_PEERCRED} (by default: the daemon's own user, the
 * owner of the socket file); anyone else is disconnected without an answer. Lines longer than {@value
 * LineProtocol#MAX_LINE} bytes are refused and the connection closed; a connection idle for the idle timeout is
 * closed ({@code SO_RCVTIMEO}).
 */
public final class UnixSocketServer implements AutoCloseable {

    /** Who is on the other end of a connection, as the kernel says ({@code SO_PEERCRED}). */
    public record Peer(long pid, int uid, int gid) {
    }

    private static final Logger LOG = Logger.getLogger(UnixSocketServer.class.getName());
    private static final int MAX_CONNECTIONS = 512;
    private static final int ACCEPTORS = 4;
    private static final int BACKLOG = 64;
    private static final long DRAIN_LIMIT = 64 * 1024;
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int OUT_BUFFER = 4096;

    private final Path path;
    private final int listener;
    private final LineProtocol protocol;
    private final Predicate<Peer> peerCheck;
    private final Duration idleTimeout;
    /** Open connections; a connection's descriptor is closed only while holding this set, see {@link #close()}. */
    private final Set<Integer> open = new HashSet<>();
    private final AtomicInteger refusedPeers = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private UnixSocketServer(Path path, int listener, LineProtocol protocol, Predicate<Peer> peerCheck,
                             Duration idleTimeout) {
        this.path = path;
        this.listener = listener;
        this.protocol = protocol;
        this.peerCheck = peerCheck;
        this.idleTimeout = idleTimeout;
        for (int i = 0; i < ACCEPTORS; i++) {
            startAcceptor();
        }
    }

    /** Serves only the user that owns the socket file (the daemon's own user). */
    public static UnixSocketServer start(Path path, LineProtocol protocol, Duration idleTimeout) throws IOException {
        return start(path, protocol, idleTimeout, null);
    }

    /**
     * @param peerCheck which peers may talk; {@code null}: only the owner of the socket file (the daemon's user)
     */
    public static UnixSocketServer start(Path path, LineProtocol protocol, Duration idleTimeout,
                                         Predicate<Peer> peerCheck) throws IOException {
        Path socket = path.toAbsolutePath();
        removeStale(socket);
        SocketCalls calls;
        try {
            calls = SocketCalls.get();
        } catch (IllegalStateException e) {
            throw new IOException("cannot serve the Unix socket " + socket + ": " + e.getMessage()
                    + "; the daemon needs --enable-native-access=io.styxy.server (styxy daemon start passes it)", e);
        }
        int fd = calls.listen(socket.toString(), BACKLOG);
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            Predicate<Peer> check = peerCheck;
            if (check == null) {
                int owner = (Integer) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                check = peer -> peer.uid() == owner;
            }
            return new UnixSocketServer(socket, fd, protocol, check, idleTimeout);
        } catch (IOException | RuntimeException e) {
            calls.close(fd);
            Files.deleteIfExists(socket);
            throw new IOException("cannot listen on the Unix socket " + socket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes a socket file nobody answers on. A file that is not a socket is left alone (it is not ours), and so is
     * a socket a live daemon answers on.
     */
    static void removeStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(socket + " exists and is not a socket; move it away or choose another path with"
                    + " --socket or STYXY_SOCKET");
        }
        boolean answered;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            answered = probe.isConnected();
        } catch (java.net.SocketException e) {
            answered = false;
        }
        if (answered) {
            throw new IOException("another process answers on " + socket + "; is another daemon running?");
        }
        Files.deleteIfExists(socket);
    }

    public Path path() {
        return path;
    }

    /** Connections dropped because their peer was another user. */
    public int refusedPeers() {
        return refusedPeers.get();
    }

    public int connections() {
        synchronized (open) {
            return open.size();
        }
    }

    private void startAcceptor() {
        waiting.incrementAndGet();
        Thread t = Thread.ofPlatform().daemon(true).name("styxy-unix-" + threadNumber.getAndIncrement())
                .stackSize(512 * 1024).unstarted(this::acceptLoop);
        synchronized (threads) {
            threads.removeIf(done -> !done.isAlive());
            threads.add(t);
        }
        t.start();
    }

    private void acceptLoop() {
        SocketCalls calls = SocketCalls.get();
        try (Arena arena = Arena.ofConfined()) {
            Connection io = new Connection(calls, arena);
            while (!closed) {
                int fd = calls.accept(listener, io.errno);
                if (fd < 0) {
                    if (!closed && !calls.acceptMayRetry(io.errno())) {
                        LOG.log(Level.WARNING, "styxy: Unix socket accept failed: errno " + io.errno());
                        pause();
                    }
                    continue;
                }
                if (!register(fd)) {
                    if (!closed) {
                        io.write(fd, LineProtocol.err("UNAVAILABLE", "too many connections") + "\n");
                    }
                    unregisterAndClose(fd, calls, false);
                    continue;
                }
                if (waiting.decrementAndGet() == 0 && !closed) {
                    startAcceptor(); // nobody left at the door while this thread serves
                }
                try {
                    serve(fd, io);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "styxy: Unix socket connection failed: " + e);
                } finally {
                    unregisterAndClose(fd, calls, true);
                }
                if (waiting.incrementAndGet() > ACCEPTORS) {
                    waiting.decrementAndGet();
                    return; // enough threads wait already
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "styxy: Unix socket thread failed: " + e);
            }
        }
    }

    private boolean register(int fd) {
        synchronized (open) {
            if (closed || open.size() >= MAX_CONNECTIONS) {
                return false;
            }
            open.add(fd);
            return true;
        }
    }

    /** Closed under the lock of {@link #open}: {@link #close()} never shuts down a number already reused. */
    private void unregisterAndClose(int fd, SocketCalls calls, boolean registered) {
        synchronized (open) {
            if (registered) {
                open.remove(fd);
            }
            calls.close(fd);
        }
    }

    private void serve(int fd, Connection io) {
        Peer peer = io.calls.peer(fd, io.scratch);
        if (peer == null || !peerCheck.test(peer)) {
            refusedPeers.incrementAndGet();
            return;
        }
        io.calls.timeouts(fd, idleTimeout, SEND_TIMEOUT, io.scratch);
        byte[] in = io.in;
        int have = 0;
        while (!closed) {
            int n = io.read(fd, in, have);
            if (n <= 0) {
                return; // end of stream, idle too long, or the daemon is stopping
            }
            have += n;
            int consumed = answerLines(fd, io, in, have);
            if (consumed < 0) {
                return;
            }
            System.arraycopy(in, consumed, in, 0, have - consumed);
            have -= consumed;
            if (have == in.length) {
                refuseLongLine(fd, io);
                return;
            }
        }
    }

    /** Answers every complete line in {@code in[0, length)}: how many bytes they took, or -1 to end the connection. */
    private int answerLines(int fd, Connection io, byte[] in, int length) {
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (in[i] == '\n') {
                int line = i - start;
                int content = line > 0 && in[i - 1] == '\r' ? line - 1 : line;
                if (content > LineProtocol.MAX_LINE) {
                    refuseLongLine(fd, io);
                    return -1;
                }
                String answer = protocol.answer(new String(in, start, line, StandardCharsets.UTF_8));
                if (!io.write(fd, answer + "\n")) {
                    return -1;
                }
                start = i + 1;
            }
        }
        return start;
    }

    /**
     * Answers an over-long line and ends the connection. The rest of what the client sent is read and dropped (up to
     * a bound) before closing, so the client reads the answer instead of a connection reset.
     */
    private static void refuseLongLine(int fd, Connection io) {
        io.write(fd, LineProtocol.err("BAD_REQUEST", "line longer than " + LineProtocol.MAX_LINE
                + " bytes; the connection is closed") + "\n");
        io.calls.shutdownOutput(fd);
        long dropped = 0;
        while (dropped < DRAIN_LIMIT) {
            int n = io.read(fd, io.in, 0);
            if (n <= 0) {
                return;
            }
            dropped += n;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One thread's buffers: the line buffer on the heap, the native read/write buffer, errno, scratch. */
    private static final class Connection {
        final SocketCalls calls;
        final MemorySegment errno;
        final MemorySegment scratch;
        final MemorySegment buffer;
        final byte[] in = new byte[LineProtocol.MAX_LINE + 2];

        Connection(SocketCalls calls, Arena arena) {
            this.calls = calls;
            this.errno = calls.newErrno(arena);
            this.scratch = arena.allocate(32, 8);
            this.buffer = arena.allocate(Math.max(OUT_BUFFER, in.length));
        }

        int errno() {
            return calls.errno(errno);
        }

        /** Reads into {@code into[offset, …)}: bytes read, 0 at the end of the stream, -1 on an error or timeout. */
        int read(int fd, byte[] into, int offset) {
            int n = calls.read(fd, buffer, into.length - offset, errno);
            if (n > 0) {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, offset, n);
            }
            return n;
        }

        boolean write(int fd, String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            for (int sent = 0; sent < bytes.length; ) {
                int chunk = (int) Math.min(bytes.length - sent, buffer.byteSize());
                MemorySegment.copy(bytes, sent, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
                int n = calls.send(fd, buffer, chunk, errno);
                if (n <= 0) {
                    return false;
                }
                sent += n;
            }
            return true;
        }
    }

    /** Stops accepting, ends every connection and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        SocketCalls calls = SocketCalls.get();
        synchronized (open) {
            closed = true;
            for (int fd : open) {
                calls.shutdown(fd);
            }
        }
        calls.shutdown(listener); // wakes every thread waiting in accept4
        List<Thread> all;
        synchronized (threads) {
            all = List.copyOf(threads);
        }
        boolean allEnded = true;
        for (Thread t : all) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            allEnded &= !t.isAlive();
        }
        if (allEnded) {
            calls.close(listener); // only now: a thread still about to call accept4 must not meet a reused number
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "styxy: cannot remove the Unix socket " + path + ": " + e.getMessage());
        }
    }
}
