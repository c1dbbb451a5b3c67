package io.styxy.server.unix;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves the {@link LineProtocol} on a Unix-domain socket: NIO {@link UnixDomainSocketAddress}, one thread per
 * connection. {@value #ACCEPTORS} platform threads wait in {@code accept} and each serves the connection it accepted
 * itself, so a new connection (the interposer opens one per conflict) wakes exactly one thread, and its blocking
 * reads are plain system calls; a virtual thread's read goes through the JDK's poller, a second thread hop per read.
 * When only one acceptor is left waiting, it hands what it accepts to a virtual thread and keeps accepting, so
 * long-lived connections never starve new ones. The socket file is 0600; a stale one left by a dead daemon is removed at start (a live one is
 * not: that daemon still answers). Every connection's peer must be the daemon's own user, checked with
 * {@code SO_PEERCRED}; anyone else is disconnected without an answer. Lines longer than {@value LineProtocol#MAX_LINE}
 * bytes are refused and the connection closed; idle connections are closed after a timeout.
 */
public final class UnixSocketServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(UnixSocketServer.class.getName());
    private static final int MAX_CONNECTIONS = 512;
    private static final int ACCEPTORS = 4;
    private static final long DRAIN_LIMIT = 64 * 1024;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel server;
    private final LineProtocol protocol;
    private final Predicate<UnixDomainPrincipal> peerCheck;
    private final Duration idleTimeout;
    private final Map<SocketChannel, Long> lastActivity = new ConcurrentHashMap<>();
    private final AtomicInteger refusedPeers = new AtomicInteger();
    private final ScheduledExecutorService reaper;
    private final AtomicInteger waitingAcceptors = new AtomicInteger(ACCEPTORS);
    private final List<Thread> acceptors = new java.util.ArrayList<>();
    private volatile boolean closed;

    private UnixSocketServer(Path path, ServerSocketChannel server, LineProtocol protocol,
                             Predicate<UnixDomainPrincipal> peerCheck, Duration idleTimeout) {
        this.path = path;
        this.server = server;
        this.protocol = protocol;
        this.peerCheck = peerCheck;
        this.idleTimeout = idleTimeout;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("styxy-unix-reaper").unstarted(r));
        long period = Math.max(50, idleTimeout.toMillis() / 4);
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
        for (int i = 0; i < ACCEPTORS; i++) {
            acceptors.add(Thread.ofPlatform().daemon(true).name("styxy-unix-" + i).stackSize(512 * 1024)
                    .start(this::acceptLoop));
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
                                         Predicate<UnixDomainPrincipal> peerCheck) throws IOException {
        Path socket = path.toAbsolutePath();
        removeStale(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), 64);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot listen on the Unix socket " + socket + ": " + e.getMessage(), e);
        }
        Predicate<UnixDomainPrincipal> check = peerCheck;
        if (check == null) {
            UserPrincipal owner = Files.getOwner(socket, LinkOption.NOFOLLOW_LINKS);
            check = peer -> peer.user().equals(owner);
        }
        return new UnixSocketServer(socket, server, protocol, check, idleTimeout);
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
        return lastActivity.size();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "styxy: Unix socket accept failed: " + e.getMessage());
                }
                continue;
            }
            if (lastActivity.size() >= MAX_CONNECTIONS) {
                writeQuietly(channel, LineProtocol.err("UNAVAILABLE", "too many connections") + "\n");
                closeQuietly(channel);
                continue;
            }
            lastActivity.put(channel, System.nanoTime());
            if (waitingAcceptors.decrementAndGet() == 0) {
                waitingAcceptors.incrementAndGet(); // the last one waiting: stay at the door
                Thread.ofVirtual().name("styxy-unix-conn").start(() -> serve(channel));
                continue;
            }
            try {
                serve(channel);
            } finally {
                waitingAcceptors.incrementAndGet();
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (channel) {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (peer == null || !peerCheck.test(peer)) {
                refusedPeers.incrementAndGet();
                return;
            }
            ByteBuffer in = ByteBuffer.allocate(LineProtocol.MAX_LINE + 2);
            while (!closed) {
                int n = channel.read(in);
                if (n < 0) {
                    return;
                }
                lastActivity.put(channel, System.nanoTime());
                in.flip();
                if (!answerLines(channel, in)) {
                    return;
                }
                in.compact();
                if (!in.hasRemaining()) {
                    refuseLongLine(channel);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The peer went away, was idle too long, or the daemon is stopping.
        } finally {
            lastActivity.remove(channel);
        }
    }

    /** Answers every complete line in {@code in}; leaves a partial line in it. False when the connection must end. */
    private boolean answerLines(SocketChannel channel, ByteBuffer in) throws IOException {
        int start = in.position();
        for (int i = in.position(); i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                int length = i - start;
                int content = length > 0 && in.get(i - 1) == '\r' ? length - 1 : length;
                if (content > LineProtocol.MAX_LINE) {
                    refuseLongLine(channel);
                    return false;
                }
                byte[] line = new byte[length];
                in.get(start, line);
                String answer = protocol.answer(new String(line, StandardCharsets.UTF_8));
                write(channel, answer + "\n");
                start = i + 1;
            }
        }
        in.position(start);
        return true;
    }

    /**
     * Answers an over-long line and ends the connection. The rest of what the client sent is read and dropped
     * (up to a bound) before closing, so the client reads the answer instead of a connection reset.
     */
    private static void refuseLongLine(SocketChannel channel) throws IOException {
        write(channel, LineProtocol.err("BAD_REQUEST", "line longer than " + LineProtocol.MAX_LINE
                + " bytes; the connection is closed") + "\n");
        channel.shutdownOutput();
        ByteBuffer sink = ByteBuffer.allocate(4096);
        long dropped = 0;
        while (dropped < DRAIN_LIMIT) {
            sink.clear();
            int n = channel.read(sink);
            if (n < 0) {
                return;
            }
            dropped += n;
        }
    }

    private static void write(SocketChannel channel, String text) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    private static void writeQuietly(SocketChannel channel, String text) {
        try {
            write(channel, text);
        } catch (IOException e) {
            // nothing to tell a client that is gone
        }
    }

    private void closeIdle() {
        long cutoff = System.nanoTime() - idleTimeout.toNanos();
        lastActivity.forEach((channel, at) -> {
            if (at < cutoff) {
                closeQuietly(channel);
                lastActivity.remove(channel);
            }
        });
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Stops accepting, closes every connection and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        lastActivity.keySet().forEach(UnixSocketServer::closeQuietly);
        lastActivity.clear();
        reaper.shutdownNow();
        acceptors.forEach(Thread::interrupt);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "styxy: cannot remove the Unix socket " + path + ": " + e.getMessage());
        }
    }
}
