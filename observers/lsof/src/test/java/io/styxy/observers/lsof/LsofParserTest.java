package io.styxy.observers.lsof;

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
 * Real output of {@code lsof -nP -w -iTCP -iUDP -FpcuLftPnT0} (lsof 4.95) with the listeners described in the ss
 * module's parser test up (python3 as root, pid 9097, ports 47100-47103; as nobody, pid 9666, 47200-47203;
 * link-local, device-bound, SO_REUSEPORT and fork-shared sockets, 47300-47303; a dual-stack listener and a connected
 * UDP socket from a process called {@code my srv,"x"}, 47304-47305). {@code lsof-nobody.txt} is lsof run as user
 * nobody: it lists nobody's own processes only.
 */
class LsofParserTest {

    private static List<SeenSocket> parse(String resource) throws IOException {
        try (InputStream in = LsofParserTest.class.getResourceAsStream("/" + resource)) {
            return LsofParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static SeenSocket one(List<SeenSocket> all, Protocol protocol, String address, int port, long pid) {
        List<SeenSocket> hits = all.stream().filter(s -> s.protocol() == protocol && s.address().equals(address)
                && s.port() == port && s.pid() == pid).toList();
        assertThat(hits).as("%s %s:%d pid %d", protocol, address, port, pid).hasSize(1);
        return hits.getFirst();
    }

    @Test
    void listenersOfBothFamiliesWithOwners() throws IOException {
        List<SeenSocket> all = parse("lsof-root.txt");
        assertThat(one(all, Protocol.TCP, "127.0.0.1", 47100, 9097))
                .isEqualTo(new SeenSocket(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 47100, 9097, "python3", 0,
                        "root", 0));
        assertThat(one(all, Protocol.TCP, "::1", 47100, 9097).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(one(all, Protocol.TCP, "0.0.0.0", 47101, 9097).family()).isEqualTo(AddressFamily.IPV4);
        assertThat(one(all, Protocol.TCP, "::", 47101, 9097).family()).isEqualTo(AddressFamily.IPV6);
        assertThat(one(all, Protocol.UDP, "127.0.0.1", 47102, 9097).family()).isEqualTo(AddressFamily.IPV4);
        assertThat(one(all, Protocol.UDP, "::", 47103, 9097).family()).isEqualTo(AddressFamily.IPV6);
        SeenSocket nobody = one(all, Protocol.UDP, "::1", 47202, 9666);
        assertThat(nobody.uid()).isEqualTo(65534);
        assertThat(nobody.user()).isEqualTo("nobody");
    }

    @Test
    void connectedUdpIsNotAListenerAndOddNamesSurvive() throws IOException {
        List<SeenSocket> all = parse("lsof-root.txt");
        assertThat(all).noneMatch(s -> s.port() == 47305);
        assertThat(one(all, Protocol.TCP, "::", 47304, 11122).processName()).isEqualTo("my srv,\"x\"");
        assertThat(one(all, Protocol.UDP, "::", 47304, 11122).family()).isEqualTo(AddressFamily.IPV6);
    }

    @Test
    void everyHolderOfSharedAndReusePortSockets() throws IOException {
        List<SeenSocket> all = parse("lsof-root.txt");
        assertThat(all.stream().filter(s -> s.port() == 47302)).extracting(SeenSocket::pid)
                .containsExactlyInAnyOrder(10428L, 10470L, 10471L);
        assertThat(one(all, Protocol.TCP, "fe80::fc:ff:fe00:1", 47300, 10471).family())
                .isEqualTo(AddressFamily.IPV6);
    }

    @Test
    void aNonRootViewListsOnlyOwnProcesses() throws IOException {
        List<SeenSocket> all = parse("lsof-nobody.txt");
        assertThat(all).hasSize(8).allMatch(s -> s.pid() == 9666 && s.user().equals("nobody"));
    }

    @Test
    void newlineSeparatedFieldsAndTcpStatesOtherThanListen() {
        List<SeenSocket> all = LsofParser.parse("""
                p42
                cnode
                u1000
                f21
                tIPv6
                PTCP
                n*:3000
                TST=LISTEN
                f22
                tIPv4
                PTCP
                n127.0.0.1:3000->127.0.0.1:51000
                TST=ESTABLISHED
                f23
                tIPv4
                PUDP
                n*:*
                """);
        assertThat(all).singleElement().satisfies(s -> {
            assertThat(s.address()).isEqualTo("::");
            assertThat(s.port()).isEqualTo(3000);
            assertThat(s.pid()).isEqualTo(42);
            assertThat(s.user()).isEmpty();
            assertThat(s.uid()).isEqualTo(1000);
        });
    }

    @Test
    void emptyAndGarbage() {
        assertThat(LsofParser.parse("")).isEmpty();
        assertThat(LsofParser.parse("f3\0nfoo\0\nzz\0")).isEmpty();
    }
}
