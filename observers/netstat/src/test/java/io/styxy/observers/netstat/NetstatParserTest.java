package io.styxy.observers.netstat;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.observers.support.SeenSocket;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real output of {@code netstat -l -n -p -t -u -e -W} (net-tools 2.10) with the listeners described in the ss
 * module's parser test up. {@code netstat-nobody.txt} is the same run as user nobody: root's sockets show
 * {@code -} for the owner, and netstat adds its "Not all processes could be identified" note.
 */
class NetstatParserTest {

    private static List<SeenSocket> parse(String resource) throws IOException {
        try (InputStream in = NetstatParserTest.class.getResourceAsStream("/" + resource)) {
            return NetstatParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static SeenSocket one(List<SeenSocket> all, Protocol protocol, String address, int port, long pid) {
        List<SeenSocket> hits = all.stream().filter(s -> s.protocol() == protocol && s.address().equals(address)
                && s.port() == port && s.pid() == pid).toList();
        assertThat(hits).as("%s %s:%d pid %d", protocol, address, port, pid).hasSize(1);
        return hits.getFirst();
    }

    @Test
    void tcpAndUdpOfBothFamilies() throws IOException {
        List<SeenSocket> all = parse("netstat-root.txt");
        assertThat(all).hasSize(23);
        assertThat(one(all, Protocol.TCP, "127.0.0.1", 47100, 9097))
                .isEqualTo(new SeenSocket(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 47100, 9097, "python3", 0,
                        "", 15979));
        assertThat(one(all, Protocol.TCP, "::", 47201, 9666).uid()).isEqualTo(65534);
        assertThat(one(all, Protocol.TCP, "::1", 47100, 9097).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(one(all, Protocol.TCP, "fe80::fc:ff:fe00:1", 47300, 10428).inode()).isEqualTo(17815);
        assertThat(one(all, Protocol.UDP, "0.0.0.0", 47103, 9097).inode()).isEqualTo(15985);
        assertThat(one(all, Protocol.UDP, "::", 47304, 11122).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(all.stream().filter(s -> s.port() == 47302)).extracting(SeenSocket::pid)
                .containsExactlyInAnyOrder(10470L, 10428L);
    }

    @Test
    void otherUsersSocketsHaveNoPid() throws IOException {
        List<SeenSocket> all = parse("netstat-nobody.txt");
        assertThat(all).hasSize(23);
        SeenSocket hidden = one(all, Protocol.TCP, "127.0.0.1", 47100, -1);
        assertThat(hidden.processName()).isEmpty();
        assertThat(hidden.inode()).isEqualTo(15979);
        assertThat(hidden.uid()).isZero();
        assertThat(one(all, Protocol.UDP, "::1", 47202, 9666).processName()).isEqualTo("python3");
    }

    @Test
    void withoutExtendedColumnsAndWithSpacesInNames() {
        List<SeenSocket> all = NetstatParser.parse("""
                Active Internet connections (only servers)
                Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
                tcp        0      0 127.0.0.1:631           0.0.0.0:*               LISTEN      812/cupsd
                tcp6       0      0 :::3000                 :::*                    LISTEN      4242/node my app
                tcp        0      0 127.0.0.1:5000          127.0.0.1:41000         ESTABLISHED 1/x
                udp        0      0 0.0.0.0:5353            0.0.0.0:*                           -
                udp        0      0 127.0.0.1:6000          127.0.0.1:7000          ESTABLISHED 9/y
                """);
        assertThat(all).extracting(SeenSocket::port).containsExactly(631, 3000, 5353);
        assertThat(all.get(1).processName()).isEqualTo("node my app");
        assertThat(all.get(1).address()).isEqualTo("::");
        assertThat(all.get(2).pid()).isEqualTo(-1);
        assertThat(all.get(0).uid()).isEqualTo(-1);
    }
}
