package io.styxy.observers.netlink;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;
import io.styxy.observers.support.Addresses;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@code NETLINK_SOCK_DIAG} socket and the dump requests sent over it, through FFM downcalls to libc's
 * {@code socket}, {@code setsockopt}, {@code sendto}, {@code recv} and {@code close}.
 *
 * <p>Request: {@code nlmsghdr} (16 bytes, type {@code SOCK_DIAG_BY_FAMILY}, flags {@code NLM_F_REQUEST|NLM_F_DUMP})
 * followed by {@code inet_diag_req_v2} (56 bytes: family, protocol, ext, pad, states bitmask, a zeroed
 * {@code inet_diag_sockid}), optionally followed by an {@code INET_DIAG_REQ_BYTECODE} attribute that makes the
 * kernel keep only one local port. Reply: a stream of {@code inet_diag_msg} (72 bytes: family, state, timer,
 * retrans, sockid, expires, rqueue, wqueue, uid, inode), ended by {@code NLMSG_DONE} or {@code NLMSG_ERROR}.
 *
 * <p>One socket is opened and reused; calls are serialised by a lock, and a receive timeout bounds every call.
 */
final class SockDiag implements AutoCloseable {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_SOCK_DIAG = 4;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SOCK_DIAG_BY_FAMILY = 20;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int TCP_LISTEN = 10;
    static final int TCP_CLOSE = 7;
    static final int INET_DIAG_REQ_BYTECODE = 1;
    static final int INET_DIAG_BC_S_GE = 2;
    static final int INET_DIAG_BC_S_LE = 3;
    static final int EINTR = 4;
    static final int EAGAIN = 11;

    private static final int NLMSG_HDR = 16;
    private static final int REQ_V2 = 56;
    private static final int DIAG_MSG = 72;
    private static final int RECV_BUFFER = 64 << 10;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The libc entry points; resolved once, on first use. */
    private static final class Libc {
        static final Linker LINKER = Linker.nativeLinker();
        static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle SOCKET = handle("socket",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT));
        static final MethodHandle SETSOCKOPT = handle("setsockopt",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle SENDTO = handle("sendto",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle RECV = handle("recv",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        static final MethodHandle CLOSE = handle("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        @SuppressWarnings("restricted")
        private static MethodHandle handle(String name, FunctionDescriptor fd) {
            SymbolLookup libc = LINKER.defaultLookup();
            MemorySegment symbol = libc.find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
            return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
        }
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment request = arena.allocate(128, 8);
    private final MemorySegment buffer = arena.allocate(RECV_BUFFER, 8);
    private final MemorySegment kernel = arena.allocate(12, 4);
    private final MemorySegment errno = arena.allocate(Libc.CAPTURE);
    private final ReentrantLock lock = new ReentrantLock();
    private final Duration timeout;
    private int fd = -1;
    private int seq;
    private int lastReplyCount;
    private boolean closed;

    SockDiag(Duration timeout) {
        this.timeout = timeout;
        kernel.set(SHORT, 0, (short) AF_NETLINK); // sockaddr_nl: family, pad, pid 0 (the kernel), groups 0
    }

    /**
     * The sockets of one protocol and family: TCP in LISTEN, UDP bound and unconnected.
     *
     * @param onlyPort a local port to ask for (filtered by the kernel), or -1 for all
     */
    void dump(Protocol protocol, AddressFamily family, int onlyPort, List<DiagSocket> out) throws ObserverException {
        lock.lock();
        try {
            if (closed) {
                throw new ObserverException("netlink observer is closed");
            }
            for (int attempt = 0; ; attempt++) {
                ensureOpen();
                int mark = out.size();
                try {
                    if (exchange(protocol, family, onlyPort, out)) {
                        return;
                    }
                } catch (ObserverException e) {
                    closeSocket(); // a fresh socket next time: no stale replies can be read
                    throw e;
                }
                out.subList(mark, out.size()).clear(); // the dump was interrupted: the kernel asks to retry
                if (attempt == 2) {
                    throw new ObserverException("sock_diag dump kept changing under us (NLM_F_DUMP_INTR)");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() throws ObserverException {
        if (fd >= 0) {
            return;
        }
        try {
            int s = (int) Libc.SOCKET.invokeExact(errno, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
            if (s < 0) {
                throw new ObserverException("socket(AF_NETLINK, NETLINK_SOCK_DIAG) failed: errno " + errno());
            }
            MemorySegment tv = arena.allocate(16, 8);
            long micros = Math.max(timeout.toNanos() / 1_000, 1_000);
            tv.set(ValueLayout.JAVA_LONG, 0, micros / 1_000_000);
            tv.set(ValueLayout.JAVA_LONG, 8, micros % 1_000_000);
            int rc = (int) Libc.SETSOCKOPT.invokeExact(errno, s, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            if (rc != 0) {
                int err = errno();
                int ignored = (int) Libc.CLOSE.invokeExact(errno, s);
                throw new ObserverException("setsockopt(SO_RCVTIMEO) on the netlink socket failed: errno " + err);
            }
            fd = s;
        } catch (ObserverException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new ObserverException("netlink socket: " + t, t);
        }
    }

    /** One request and its whole reply. Returns false if the kernel flagged the dump as interrupted. */
    private boolean exchange(Protocol protocol, AddressFamily family, int onlyPort, List<DiagSocket> out)
            throws ObserverException {
        int mySeq = ++seq;
        int length = writeRequest(protocol, family, onlyPort, mySeq);
        try {
            long sent = (long) Libc.SENDTO.invokeExact(errno, fd, request, (long) length, 0, kernel, 12);
            if (sent != length) {
                throw new ObserverException("sendto on the netlink socket failed: errno " + errno());
            }
            boolean interrupted = false;
            lastReplyCount = 0;
            while (true) {
                long n = (long) Libc.RECV.invokeExact(errno, fd, buffer, (long) RECV_BUFFER, 0);
                if (n < 0) {
                    int err = errno();
                    if (err == EINTR) {
                        continue;
                    }
                    throw new ObserverException(err == EAGAIN
                            ? "no sock_diag reply within " + timeout.toMillis() + " ms"
                            : "recv on the netlink socket failed: errno " + err);
                }
                int off = 0;
                while (off + NLMSG_HDR <= n) {
                    int len = buffer.get(INT, off);
                    int type = Short.toUnsignedInt(buffer.get(SHORT, off + 4));
                    int flags = Short.toUnsignedInt(buffer.get(SHORT, off + 6));
                    int msgSeq = buffer.get(INT, off + 8);
                    if (len < NLMSG_HDR || off + len > n) {
                        throw new ObserverException("malformed netlink message (length " + len + ")");
                    }
                    if (msgSeq == mySeq) {
                        if ((flags & NLM_F_DUMP_INTR) != 0) {
                            interrupted = true;
                        }
                        if (type == NLMSG_DONE) {
                            return !interrupted;
                        }
                        if (type == NLMSG_ERROR) {
                            int error = len >= NLMSG_HDR + 4 ? -buffer.get(INT, off + NLMSG_HDR) : -1;
                            if (error == 0) {
                                return !interrupted; // an acknowledgement
                            }
                            throw new ObserverException("the kernel refused the sock_diag request: errno " + error);
                        }
                        if (type == SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDR + DIAG_MSG) {
                            lastReplyCount++;
                            DiagSocket s = parse(buffer, off + NLMSG_HDR, protocol);
                            if (s != null && (onlyPort < 0 || s.port() == onlyPort)) {
                                out.add(s);
                            }
                        }
                    }
                    off += (len + 3) & ~3;
                }
            }
        } catch (ObserverException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new ObserverException("netlink exchange: " + t, t);
        }
    }

    /** How many sockets the kernel sent in the last reply, before any filtering here (for tests). */
    int lastReplyCount() {
        lock.lock();
        try {
            return lastReplyCount;
        } finally {
            lock.unlock();
        }
    }

    private int writeRequest(Protocol protocol, AddressFamily family, int onlyPort, int mySeq) {
        request.fill((byte) 0);
        int bytecode = onlyPort >= 0 ? 4 + 16 : 0;
        int total = NLMSG_HDR + REQ_V2 + bytecode;
        request.set(INT, 0, total);
        request.set(SHORT, 4, (short) SOCK_DIAG_BY_FAMILY);
        request.set(SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
        request.set(INT, 8, mySeq);
        request.set(INT, 12, 0);
        int r = NLMSG_HDR;
        request.set(ValueLayout.JAVA_BYTE, r, (byte) (family == AddressFamily.IPV4 ? AF_INET : AF_INET6));
        request.set(ValueLayout.JAVA_BYTE, r + 1, (byte) (protocol == Protocol.TCP ? IPPROTO_TCP : IPPROTO_UDP));
        request.set(INT, r + 4, 1 << (protocol == Protocol.TCP ? TCP_LISTEN : TCP_CLOSE));
        if (onlyPort >= 0) {
            // nlattr {len, type} then: S_GE port (yes: next op, no: reject) ; S_LE port (yes: accept, no: reject).
            int a = NLMSG_HDR + REQ_V2;
            request.set(SHORT, a, (short) (4 + 16));
            request.set(SHORT, a + 2, (short) INET_DIAG_REQ_BYTECODE);
            int op = a + 4;
            writeOp(op, INET_DIAG_BC_S_GE, 8, 16 + 4);
            writeOp(op + 4, 0, 0, onlyPort);
            writeOp(op + 8, INET_DIAG_BC_S_LE, 8, 8 + 4);
            writeOp(op + 12, 0, 0, onlyPort);
        }
        return total;
    }

    private void writeOp(int at, int code, int yes, int no) {
        request.set(ValueLayout.JAVA_BYTE, at, (byte) code);
        request.set(ValueLayout.JAVA_BYTE, at + 1, (byte) yes);
        request.set(SHORT, at + 2, (short) no);
    }

    /** An {@code inet_diag_msg} at {@code at}, or null for a socket that is not bound to a port. */
    static DiagSocket parse(MemorySegment m, long at, Protocol protocol) {
        int family = Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, at));
        int port = Short.toUnsignedInt(m.get(SHORT_BE, at + 4));
        if (port == 0) {
            return null;
        }
        byte[] raw = new byte[family == AF_INET ? 4 : 16];
        MemorySegment.copy(m, ValueLayout.JAVA_BYTE, at + 8, raw, 0, raw.length);
        long uid = Integer.toUnsignedLong(m.get(INT, at + 64));
        long inode = Integer.toUnsignedLong(m.get(INT, at + 68));
        return new DiagSocket(protocol, family == AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6,
                Addresses.format(raw), port, uid, inode);
    }

    private int errno() {
        return (int) Libc.ERRNO.get(errno, 0L);
    }

    private void closeSocket() {
        if (fd >= 0) {
            try {
                int ignored = (int) Libc.CLOSE.invokeExact(errno, fd);
            } catch (Throwable t) {
                // nothing more to do
            }
            fd = -1;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                closeSocket();
                arena.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
