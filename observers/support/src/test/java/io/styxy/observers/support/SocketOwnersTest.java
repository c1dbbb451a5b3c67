package io.styxy.observers.support;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SocketOwnersTest {

    /** The inode of this process's socket that listens on {@code port}, from /proc/net/tcp. */
    private static long inodeOf(int port) throws Exception {
        String hexPort = String.format(":%04X ", port);
        for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[1].endsWith(hexPort.strip()) && f[3].equals("0A")) {
                return Long.parseLong(f[9]);
            }
        }
        throw new AssertionError("no listener on " + port);
    }

    @Test
    void findsOwnersOnceAndTrustsThemWhileTheOwnerLives() throws Exception {
        AtomicLong clock = new AtomicLong(0);
        SocketOwners owners = new SocketOwners(Path.of("/proc"), clock::get);
        try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            long inode = inodeOf(((InetSocketAddress) ch.getLocalAddress()).getPort());

            Map<Long, List<ProcessFacts>> first = owners.owners(List.of(inode), true);
            assertThat(first.get(inode)).extracting(ProcessFacts::pid).containsExactly(ProcessHandle.current().pid());
            assertThat(owners.walks()).isEqualTo(1);

            clock.addAndGet(1_000_000_000L);
            assertThat(owners.owners(List.of(inode), true)).isEqualTo(first);
            assertThat(owners.walks()).as("a known owner costs no walk").isEqualTo(1);

            clock.addAndGet(SocketOwners.REVALIDATE_NANOS);
            assertThat(owners.owners(List.of(inode), true)).isEqualTo(first);
            assertThat(owners.walks()).as("periodic re-check").isEqualTo(2);
        }
    }

    @Test
    void unknownInodesAreNotSearchedForOnEveryScan() {
        AtomicLong clock = new AtomicLong(0);
        SocketOwners owners = new SocketOwners(Path.of("/proc"), clock::get);
        long nobodyHasThis = 4_000_000_000L;
        assertThat(owners.owners(List.of(nobodyHasThis), true)).isEmpty();
        assertThat(owners.owners(List.of(nobodyHasThis), true)).isEmpty();
        assertThat(owners.walks()).isEqualTo(1);
        clock.addAndGet(SocketOwners.MISS_TTL_NANOS);
        owners.owners(List.of(nobodyHasThis), true);
        assertThat(owners.walks()).isEqualTo(2);
    }
}
