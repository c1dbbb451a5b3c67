package io.styxy.observers.procfs;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parses /proc/net tables captured on a Linux x86-64 machine while these listeners were up: python3 on 127.0.0.1,
 * ::1, 0.0.0.0 and :: (ports 47100-47103, root), the same as user nobody (47200-47203), a link-local and a
 * device-bound listener and an SO_REUSEPORT pair (47300-47303), a dual-stack :: listener (47304), plus TIME_WAIT rows.
 */
class ProcNetTableTest {

    private static List<RawSocket> parse(String table, Protocol protocol, AddressFamily family, int onlyPort)
            throws IOException {
        List<RawSocket> out = new ArrayList<>();
        try (InputStream in = ProcNetTableTest.class.getResourceAsStream("/proc-net/" + table)) {
            ProcNetTable.parse(in.readAllBytes(), protocol, family, onlyPort, out);
        }
        return out;
    }

    @Test
    void tcpListenersOnlyWithAddressesUidsAndInodes() throws IOException {
        List<RawSocket> tcp = parse("tcp", Protocol.TCP, AddressFamily.IPV4, -1);
        assertThat(tcp).hasSize(8); // four TIME_WAIT rows are not listeners
        assertThat(tcp).contains(
                new RawSocket(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 47100, 0, 15979),
                new RawSocket(Protocol.TCP, AddressFamily.IPV4, "0.0.0.0", 47201, 65534, 15227),
                new RawSocket(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 47302, 0, 17406),
                new RawSocket(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 47302, 0, 17818));
    }

    @Test
    void tcp6AddressesAreCanonical() throws IOException {
        List<RawSocket> tcp6 = parse("tcp6", Protocol.TCP, AddressFamily.IPV6, -1);
        assertThat(tcp6).extracting(RawSocket::address)
                .contains("::", "::1", "fe80::fc:ff:fe00:1")
                .allMatch(a -> !a.contains("0:0:0"));
        assertThat(tcp6).contains(new RawSocket(Protocol.TCP, AddressFamily.IPV6, "::1", 47200, 65534, 15226));
    }

    @Test
    void udpBoundUnconnectedSocketsOnly() throws IOException {
        List<RawSocket> udp = parse("udp", Protocol.UDP, AddressFamily.IPV4, -1);
        assertThat(udp).extracting(RawSocket::port).containsExactlyInAnyOrder(47102, 47103, 47202, 47203);
        List<RawSocket> udp6 = parse("udp6", Protocol.UDP, AddressFamily.IPV6, -1);
        assertThat(udp6).contains(new RawSocket(Protocol.UDP, AddressFamily.IPV6, "::1", 47102, 0, 15984));
        assertThat(udp6).extracting(RawSocket::port).contains(47304);
    }

    @Test
    void onePortFilter() throws IOException {
        assertThat(parse("tcp", Protocol.TCP, AddressFamily.IPV4, 47302)).hasSize(2);
        assertThat(parse("tcp", Protocol.TCP, AddressFamily.IPV4, 1)).isEmpty();
    }

    @Test
    void listenersComeFirstSoReadingCanStopAtTheFirstConnection() throws IOException {
        byte[] tcp;
        try (InputStream in = ProcNetTableTest.class.getResourceAsStream("/proc-net/tcp")) {
            tcp = in.readAllBytes();
        }
        String text = new String(tcp, java.nio.charset.StandardCharsets.US_ASCII);
        int firstTimeWait = text.indexOf("\n   9:") + 1;
        assertThat(ProcNetTable.pastListeners(tcp, 0, firstTimeWait)).as("header and listeners only").isFalse();
        int endOfThatRow = text.indexOf('\n', firstTimeWait) + 1;
        assertThat(ProcNetTable.pastListeners(tcp, 0, endOfThatRow)).isTrue();
        assertThat(ProcNetTable.pastListeners(tcp, 0, endOfThatRow - 1)).as("an incomplete row does not count")
                .isFalse();
    }

    @Test
    void toleratesGarbage() {
        List<RawSocket> out = new ArrayList<>();
        ProcNetTable.parse("header\n\n  0: nonsense\n   1: 0100007F:ZZZZ 00000000:0000 0A x x x 0 0 1\n".getBytes(),
                Protocol.TCP, AddressFamily.IPV4, -1, out);
        ProcNetTable.parse(new byte[0], Protocol.TCP, AddressFamily.IPV4, -1, out);
        assertThat(out).isEmpty();
    }
}
