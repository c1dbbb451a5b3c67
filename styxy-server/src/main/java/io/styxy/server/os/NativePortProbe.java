package io.styxy.server.os;

import io.styxy.api.Protocol;
import io.styxy.server.engine.PortProbe;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The same probe as {@link SocketPortProbe} — bind the port on 0.0.0.0, ::, 127.0.0.1 and ::1 in turn, each socket
 * with {@code SO_REUSEADDR} (and {@code IPV6_V6ONLY} off, as the JDK opens IPv6 sockets), TCP ones also put to
 * {@code listen}, then close — made with the system calls themselves through the foreign-function API. Five calls per
 * address instead of the JDK channel's eight, and almost nothing on the heap: a conflict on the Unix socket probes
 * at least one port, the sweeper every quarantined one, and the JDK's channel objects were a seventh of the garbage
 * of a conflict. Any failure of any call counts as busy: the probe fails closed.
 */
final class NativePortProbe implements PortProbe {

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;
    private static final long SOCKADDR_IN = 16;
    private static final long SOCKADDR_IN6 = 28;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** An address to probe: its family and its bytes in network order. */
    private record Target(int family, byte[] address) {
    }

    private static final Target ANY4 = new Target(AF_INET, new byte[4]);
    private static final Target LOOPBACK4 = new Target(AF_INET, new byte[] {127, 0, 0, 1});
    private static final Target ANY6 = new Target(AF_INET6, new byte[16]);
    private static final Target LOOPBACK6 = new Target(AF_INET6,
            new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});

    private final MethodHandle socket;
    private final MethodHandle setsockopt;
    private final MethodHandle bind;
    private final MethodHandle listen;
    private final MethodHandle close;
    /** The int 1 and the int 0, for setsockopt; only ever read. */
    private final MemorySegment one;
    private final MemorySegment zero;
    private final List<Target> targets;

    /** @throws LinkageError or a runtime exception when the C library's calls cannot be linked */
    @SuppressWarnings("restricted")
    NativePortProbe() {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        socket = linker.downcallHandle(libc.findOrThrow("socket"), FunctionDescriptor.of(i, i, i, i));
        setsockopt = linker.downcallHandle(libc.findOrThrow("setsockopt"),
                FunctionDescriptor.of(i, i, i, i, ValueLayout.ADDRESS, i));
        bind = linker.downcallHandle(libc.findOrThrow("bind"), FunctionDescriptor.of(i, i, ValueLayout.ADDRESS, i));
        listen = linker.downcallHandle(libc.findOrThrow("listen"), FunctionDescriptor.of(i, i, i));
        close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(i, i));
        one = Arena.global().allocateFrom(i, 1);
        zero = Arena.global().allocateFrom(i, 0);
        // A machine without IPv6 (no ::1) cannot host an IPv6 listener either; probing it would fail every port.
        try (Arena arena = Arena.ofConfined()) {
            targets = bindsOnce(arena.allocate(SOCKADDR_IN6, 4), LOOPBACK6, 0, Protocol.TCP)
                    ? List.of(ANY4, ANY6, LOOPBACK4, LOOPBACK6)
                    : List.of(ANY4, LOOPBACK4);
        }
    }

    @Override
    public boolean canBind(int port, Protocol protocol) {
        try (Arena arena = Arena.ofConfined()) { // one for the four addresses: its memory is the whole cost
            MemorySegment address = arena.allocate(SOCKADDR_IN6, 4);
            for (Target target : targets) {
                if (!bindsOnce(address, target, port, protocol)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Binds a fresh socket to the target address and port, then closes it; the address goes into {@code scratch}. */
    private boolean bindsOnce(MemorySegment scratch, Target target, int port, Protocol protocol) {
        boolean tcp = protocol == Protocol.TCP;
        try {
            MemorySegment address = sockaddr(scratch, target, port);
            int fd = (int) socket.invokeExact(target.family(), (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return false;
            }
            try {
                return (int) setsockopt.invokeExact(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) == 0
                        && (target.family() != AF_INET6
                            || (int) setsockopt.invokeExact(fd, IPPROTO_IPV6, IPV6_V6ONLY, zero, 4) == 0)
                        && (int) bind.invokeExact(fd, address, (int) address.byteSize()) == 0
                        && (!tcp || (int) listen.invokeExact(fd, 1) == 0);
            } finally {
                int ignored = (int) close.invokeExact(fd);
            }
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * A {@code sockaddr_in} or {@code sockaddr_in6} written over {@code scratch} (zeroed first): family in host order,
     * port in network order, then the address.
     */
    private static MemorySegment sockaddr(MemorySegment scratch, Target target, int port) {
        boolean v6 = target.family() == AF_INET6;
        MemorySegment s = scratch.asSlice(0, v6 ? SOCKADDR_IN6 : SOCKADDR_IN).fill((byte) 0);
        s.set(ValueLayout.JAVA_SHORT, 0, (short) target.family());
        s.set(PORT, 2, (short) port);
        MemorySegment.copy(target.address(), 0, s, ValueLayout.JAVA_BYTE, v6 ? 8 : 4, target.address().length);
        return s;
    }
}
