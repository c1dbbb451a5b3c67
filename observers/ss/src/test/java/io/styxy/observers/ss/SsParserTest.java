package io.styxy.observers.ss;

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
 * Real output of {@code ss -H -l -n -p -e -t -u} (iproute2 6.1) captured with these listeners up: python3 as root
 * on 127.0.0.1/::1/0.0.0.0/:: (TCP 47100-47101, UDP 47102-47103, pid 9097), the same as user nobody (47200-47203,
 * pid 9666), a link-local listener with zone, a socket bound to device lo, an SO_REUSEPORT pair and a socket shared
 * by a parent and its forked child (47300-47303, pids 10428, 10470, 10471), and a dual-stack :: listener whose
 * process name holds a space, a comma and quotes (47304, pid 11122). {@code ss-nobody.txt} is the same machine seen
 * by user nobody: root's sockets have no users:(…) there.
 */
class SsParserTest {

    private static List<SeenSocket> parse(String resource) throws IOException {
        try (InputStream in = SsParserTest.class.getResourceAsStream("/" + resource)) {
            return SsParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static SeenSocket one(List<SeenSocket> all, Protocol protocol, String address, int port, long pid) {
        List<SeenSocket> hits = all.stream().filter(s -> s.protocol() == protocol && s.address().equals(address)
                && s.port() == port && s.pid() == pid).toList();
        assertThat(hits).as("%s %s:%d pid %d", protocol, address, port, pid).hasSize(1);
        return hits.getFirst();
    }

    @Test
    void rootViewHasEveryOwner() throws IOException {
        List<SeenSocket> all = parse("ss-root.txt");
        assertThat(all).allMatch(s -> s.pid() > 0);
        assertThat(one(all, Protocol.TCP, "127.0.0.1", 47100, 9097))
                .isEqualTo(new SeenSocket(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 47100, 9097, "python3", 0,
                        "", 15979));
        assertThat(one(all, Protocol.TCP, "::1", 47100, 9097).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(one(all, Protocol.TCP, "::", 47101, 9097).inode()).isEqualTo(15982);
        assertThat(one(all, Protocol.UDP, "::", 47103, 9097).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(one(all, Protocol.UDP, "127.0.0.1", 47202, 9666).uid()).isEqualTo(65534);
    }

    @Test
    void zonesAndDevicesAreDropped() throws IOException {
        List<SeenSocket> all = parse("ss-root.txt");
        assertThat(one(all, Protocol.TCP, "fe80::fc:ff:fe00:1", 47300, 10428).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(one(all, Protocol.TCP, "0.0.0.0", 47301, 10428).inode()).isEqualTo(17817);
    }

    @Test
    void sharedSocketsAndReusePortHoldersAreAllKept() throws IOException {
        List<SeenSocket> all = parse("ss-root.txt");
        List<SeenSocket> on47302 = all.stream().filter(s -> s.port() == 47302).toList();
        assertThat(on47302).extracting(SeenSocket::pid).containsExactlyInAnyOrder(10470L, 10471L, 10428L);
        assertThat(on47302).extracting(SeenSocket::inode).containsOnly(17406L, 17818L);
        assertThat(all.stream().filter(s -> s.port() == 47303)).extracting(SeenSocket::pid)
                .containsExactlyInAnyOrder(10471L, 10428L);
    }

    @Test
    void dualStackWildcardAndOddProcessNames() throws IOException {
        List<SeenSocket> all = parse("ss-root.txt");
        SeenSocket dual = one(all, Protocol.TCP, "::", 47304, 11122);
        assertThat(dual.family()).isEqualTo(AddressFamily.IPV6);
        assertThat(dual.processName()).isEqualTo("my srv,\"x\"");
        assertThat(one(all, Protocol.UDP, "::", 47304, 11122).inode()).isEqualTo(19389);
    }

    @Test
    void otherUsersSocketsHaveNoPid() throws IOException {
        List<SeenSocket> all = parse("ss-nobody.txt");
        SeenSocket hidden = one(all, Protocol.TCP, "127.0.0.1", 47100, -1);
        assertThat(hidden.processName()).isEmpty();
        assertThat(hidden.uid()).isZero();
        assertThat(hidden.inode()).isEqualTo(15979);
        assertThat(one(all, Protocol.TCP, "127.0.0.1", 47200, 9666).uid()).isEqualTo(65534);
        assertThat(all).hasSize(23);
        assertThat(all.stream().filter(s -> s.port() == 47302)).hasSize(2).allMatch(s -> s.pid() == -1);
    }

    @Test
    void headerAndNoExtendedColumns() throws IOException {
        List<SeenSocket> all = parse("ss-root-header-noext.txt");
        SeenSocket s = one(all, Protocol.UDP, "127.0.0.1", 47102, 9097);
        assertThat(s.uid()).as("no -e: uid unknown").isEqualTo(-1);
        assertThat(s.inode()).isZero();
        assertThat(all).hasSize(parse("ss-root.txt").size());
    }

    @Test
    void singleProtocolOutputHasNoNetidColumn() {
        List<SeenSocket> all = SsParser.parse("""
                State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
                LISTEN 0      4096       127.0.0.1:631       0.0.0.0:*
                LISTEN 0      511                *:3000            *:*    users:(("node",pid=4242,fd=21))
                ESTAB  0      0          127.0.0.1:40000   127.0.0.1:631
                """);
        assertThat(all).extracting(SeenSocket::port, SeenSocket::pid)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(631, -1L),
                        org.assertj.core.groups.Tuple.tuple(3000, 4242L));
    }

    @Test
    void garbageIsSkipped() {
        assertThat(SsParser.parse("tcp LISTEN 0 1 nonsense\nudp\n\ntcp LISTEN 0 1 1.2.3.4:x *:*\n")).isEmpty();
    }
}
