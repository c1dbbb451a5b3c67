package io.styxy.observers.netlink;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.observers.support.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SockDiagTest {

    @BeforeEach
    void linuxOnly() {
        assumeTrue(Tools.isLinux(), "sock_diag is Linux-only");
    }

    @Test
    void theKernelFiltersASinglePort() throws Exception {
        try (SockDiag diag = new SockDiag(Duration.ofSeconds(2));
             ServerSocketChannel a = ServerSocketChannel.open(StandardProtocolFamily.INET);
             ServerSocketChannel b = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            a.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            b.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = ((InetSocketAddress) a.getLocalAddress()).getPort();

            List<DiagSocket> all = new ArrayList<>();
            diag.dump(Protocol.TCP, AddressFamily.IPV4, -1, all);
            assertThat(diag.lastReplyCount()).isGreaterThanOrEqualTo(2);

            List<DiagSocket> one = new ArrayList<>();
            diag.dump(Protocol.TCP, AddressFamily.IPV4, port, one);
            assertThat(diag.lastReplyCount()).as("sockets the kernel sent").isEqualTo(1);
            assertThat(one).singleElement().satisfies(s -> {
                assertThat(s.port()).isEqualTo(port);
                assertThat(s.address()).isEqualTo("127.0.0.1");
                assertThat(s.inode()).isPositive();
            });
        }
    }

    @Test
    void aClosedDiagRefusesWork() {
        SockDiag diag = new SockDiag(Duration.ofSeconds(1));
        diag.close();
        diag.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> diag.dump(Protocol.TCP, AddressFamily.IPV4, -1, new ArrayList<>()))
                .hasMessageContaining("closed");
    }
}
