package com.example.styxy.declared;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProcNetTest {

    static Path fixture() throws URISyntaxException {
        return Path.of(ProcNetTest.class.getResource("/proc-net").toURI());
    }

    @Test
    void readsListeningTcpAndUnconnectedUdpSocketsOfBothFamilies() throws Exception {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the fixture is a little-endian kernel's");
        List<Listener> listeners = ProcNet.listeners(fixture().resolve("net"));
        assertThat(listeners).extracting(Listener::protocol, Listener::family, Listener::address, Listener::port)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 8080),
                        org.assertj.core.groups.Tuple.tuple(Protocol.TCP, AddressFamily.IPV4, "0.0.0.0", 22),
                        org.assertj.core.groups.Tuple.tuple(Protocol.TCP, AddressFamily.IPV6, "0:0:0:0:0:0:0:1", 3000),
                        org.assertj.core.groups.Tuple.tuple(Protocol.TCP, AddressFamily.IPV6, "0:0:0:0:0:0:0:0", 6000),
                        org.assertj.core.groups.Tuple.tuple(Protocol.UDP, AddressFamily.IPV4, "0.0.0.0", 5353));
        Listener first = listeners.getFirst();
        assertThat(first.pid()).isEqualTo(-1);
        assertThat(first.user()).isEqualTo("1000");
        assertThat(first.inode()).isEqualTo(4242);
    }

    @Test
    void aMissingTableMeansNoSocketsOfThatKind() throws Exception {
        Path empty = Files.createTempDirectory("proc-net");
        try {
            assertThat(ProcNet.listeners(empty)).isEmpty();
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    void seesSocketsThisTestOpensOnTheRealKernel() throws Exception {
        Path net = Path.of("/proc/net");
        assumeTrue(Files.isReadable(net.resolve("tcp")), "needs Linux /proc/net");
        try (ServerSocket tcp = new ServerSocket();
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            List<Listener> listeners = ProcNet.listeners(net);
            assertThat(listeners).anySatisfy(l -> {
                assertThat(l.protocol()).isEqualTo(Protocol.TCP);
                assertThat(l.port()).isEqualTo(tcp.getLocalPort());
            });
            assertThat(listeners).anySatisfy(l -> {
                assertThat(l.protocol()).isEqualTo(Protocol.UDP);
                assertThat(l.port()).isEqualTo(udp.getLocalPort());
            });
        }
    }
}
