package io.styxy.server.unix;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Unix-socket system calls of {@link UnixSocketServer}, through the foreign-function API: the C library's {@code
 * socket}, {@code bind}, {@code listen}, {@code accept4}, {@code getsockopt(SO_PEERCRED)}, {@code setsockopt}, {@code
 * read}, {@code send}, {@code shutdown} and {@code close} (Linux constants, the same on x86-64 and AArch64). Linked
 * once; every call is thread-safe and allocates nothing on the heap.
 */
final class SocketCalls {

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_SNDTIMEO = 21;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EPROTO = 71;
    private static final int ECONNABORTED = 103;
    /** {@code sun_path} of {@code struct sockaddr_un}, its terminating NUL included. */
    private static final int SUN_PATH = 108;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final class Holder {
        static final SocketCalls CALLS = new SocketCalls();
    }

    private final MethodHandle socket;
    private final MethodHandle bind;
    private final MethodHandle listen;
    private final MethodHandle accept4;
    private final MethodHandle getsockopt;
    private final MethodHandle setsockopt;
    private final MethodHandle read;
    private final MethodHandle send;
    private final MethodHandle shutdown;
    private final MethodHandle close;

    @SuppressWarnings("restricted")
    private SocketCalls() {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        socket = linker.downcallHandle(libc.findOrThrow("socket"), FunctionDescriptor.of(INT, INT, INT, INT), errno);
        bind = linker.downcallHandle(libc.findOrThrow("bind"), FunctionDescriptor.of(INT, INT, PTR, INT), errno);
        listen = linker.downcallHandle(libc.findOrThrow("listen"), FunctionDescriptor.of(INT, INT, INT), errno);
        accept4 = linker.downcallHandle(libc.findOrThrow("accept4"),
                FunctionDescriptor.of(INT, INT, PTR, PTR, INT), errno);
        getsockopt = linker.downcallHandle(libc.findOrThrow("getsockopt"),
                FunctionDescriptor.of(INT, INT, INT, INT, PTR, PTR));
        setsockopt = linker.downcallHandle(libc.findOrThrow("setsockopt"),
                FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
        read = linker.downcallHandle(libc.findOrThrow("read"), FunctionDescriptor.of(LONG, INT, PTR, LONG), errno);
        send = linker.downcallHandle(libc.findOrThrow("send"),
                FunctionDescriptor.of(LONG, INT, PTR, LONG, INT), errno);
        shutdown = linker.downcallHandle(libc.findOrThrow("shutdown"), FunctionDescriptor.of(INT, INT, INT));
        close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(INT, INT));
    }

    /** @throws IllegalStateException when the C library cannot be linked (no native access, not Linux) */
    static SocketCalls get() {
        try {
            return Holder.CALLS;
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("the Unix socket needs the C library's socket calls: " + e, e);
        }
    }

    MemorySegment newErrno(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    int errno(MemorySegment errno) {
        return (int) ERRNO.get(errno, 0L);
    }

    /** A listening socket bound to {@code path} (which must not exist). */
    int listen(String path, int backlog) throws IOException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("the socket path is " + name.length + " bytes long; a Unix socket path has at most "
                    + (SUN_PATH - 1) + ": choose a shorter one with --socket or STYXY_SOCKET");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrno(arena);
            MemorySegment address = arena.allocate(2 + SUN_PATH, 2);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
            int fd = (int) socket.invokeExact(errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("socket(AF_UNIX) failed: errno " + errno(errno));
            }
            if ((int) bind.invokeExact(errno, fd, address, 2 + name.length + 1) != 0) {
                int err = errno(errno);
                close(fd);
                throw new IOException("bind failed: errno " + err + (err == 98 ? " (the path is in use)" : ""));
            }
            if ((int) listen.invokeExact(errno, fd, backlog) != 0) {
                int err = errno(errno);
                close(fd);
                throw new IOException("listen failed: errno " + err);
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new connection's descriptor (close-on-exec), or -1 with errno set. */
    int accept(int listener, MemorySegment errno) {
        try {
            return (int) accept4.invokeExact(errno, listener, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Errors of accept that concern only the one connection (or a signal), not the listening socket. */
    boolean acceptMayRetry(int errno) {
        return errno == EINTR || errno == EAGAIN || errno == ECONNABORTED || errno == EPROTO;
    }

    /** The peer's pid, uid and gid, or {@code null} when the kernel does not say. */
    UnixSocketServer.Peer peer(int fd, MemorySegment scratch) {
        MemorySegment ucred = scratch.asSlice(0, 12);
        MemorySegment length = scratch.asSlice(16, 4);
        length.set(INT, 0, 12);
        try {
            if ((int) getsockopt.invokeExact(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) != 0) {
                return null;
            }
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        return new UnixSocketServer.Peer(Integer.toUnsignedLong(ucred.get(INT, 0)), ucred.get(INT, 4),
                ucred.get(INT, 8));
    }

    /** Reads time out after {@code idle} (the connection is then closed), writes after {@code send}. */
    void timeouts(int fd, Duration idle, Duration send, MemorySegment scratch) {
        setTimeout(fd, SO_RCVTIMEO, idle, scratch);
        setTimeout(fd, SO_SNDTIMEO, send, scratch);
    }

    private void setTimeout(int fd, int option, Duration timeout, MemorySegment scratch) {
        MemorySegment timeval = scratch.asSlice(0, 16);
        timeval.set(LONG, 0, timeout.toSeconds());
        timeval.set(LONG, 8, Math.max(timeout.toSeconds() == 0 ? 1 : 0, timeout.toMillisPart() * 1000L));
        try {
            int ignored = (int) setsockopt.invokeExact(fd, SOL_SOCKET, option, timeval, 16);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes read (at most {@code count}), 0 at the end of the stream, -1 on an error or a receive timeout. */
    int read(int fd, MemorySegment buffer, int count, MemorySegment errno) {
        try {
            while (true) {
                long n = (long) read.invokeExact(errno, fd, buffer, (long) count);
                if (n >= 0 || errno(errno) != EINTR) {
                    return (int) n;
                }
            }
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes sent, or -1 (peer gone, send timeout); never raises SIGPIPE. */
    int send(int fd, MemorySegment buffer, int count, MemorySegment errno) {
        try {
            while (true) {
                long n = (long) send.invokeExact(errno, fd, buffer, (long) count, MSG_NOSIGNAL);
                if (n >= 0 || errno(errno) != EINTR) {
                    return (int) n;
                }
            }
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void shutdownOutput(int fd) {
        shutdown(fd, SHUT_WR);
    }

    /** Ends both directions: a thread blocked in read or accept on it returns. */
    void shutdown(int fd) {
        shutdown(fd, SHUT_RDWR);
    }

    private void shutdown(int fd, int how) {
        try {
            int ignored = (int) shutdown.invokeExact(fd, how);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void close(int fd) {
        try {
            int ignored = (int) close.invokeExact(fd);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
