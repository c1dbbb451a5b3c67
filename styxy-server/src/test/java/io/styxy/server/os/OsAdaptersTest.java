package io.styxy.server.os;

import io.styxy.api.Protocol;
import io.styxy.server.engine.Owner;
import io.styxy.server.engine.ProcessInfo;
import io.styxy.server.engine.PortProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The real process table and the real four-address probe, against real processes and sockets. */
class OsAdaptersTest {

    private final ProcfsProcessTable processes = new ProcfsProcessTable();

    @Test
    void findsARunningProcessWithItsStartTimeAndForgetsItWhenItExits() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            ProcessInfo info = processes.find(child.pid()).orElseThrow();
            assertThat(info.name()).isEqualTo("sleep");
            assertThat(info.commandLine()).isEqualTo("sleep 30");
            assertThat(info.startTime()).isPositive();
            assertThat(processes.isAlive(info.owner())).isTrue();
            assertThat(processes.isAlive(new Owner(child.pid(), info.startTime() + 1))).as("recycled pid").isFalse();
        } finally {
            child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        assertThat(processes.find(child.pid())).isEmpty();
    }

    @Test
    void statIsParsedFieldByFieldEvenWhenTheNameHoldsSpacesAndParentheses(@org.junit.jupiter.api.io.TempDir
                                                                              java.nio.file.Path fakeProc)
            throws IOException {
        // Field 22 (start time) after a name with ") (" in it; field 3 is the state.
        String tail = " 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 0 20 0 1 0 987654321 10000 100 18446744073709551615";
        java.nio.file.Files.createDirectories(fakeProc.resolve("42"));
        java.nio.file.Files.writeString(fakeProc.resolve("42/stat"), "42 (we(ird) (name)) S" + tail + "\n");
        java.nio.file.Files.createDirectories(fakeProc.resolve("43"));
        java.nio.file.Files.writeString(fakeProc.resolve("43/stat"), "43 (gone) Z" + tail + "\n");
        java.nio.file.Files.createDirectories(fakeProc.resolve("44"));
        java.nio.file.Files.writeString(fakeProc.resolve("44/stat"), "44 (cut) S 1 1\n");
        ProcfsProcessTable table = new ProcfsProcessTable(fakeProc);
        ProcessInfo weird = table.find(42).orElseThrow();
        assertThat(weird.name()).isEqualTo("we(ird) (name)");
        assertThat(weird.startTime()).isEqualTo(987_654_321L);
        assertThat(table.isAlive(new Owner(42, 987_654_321L))).isTrue();
        assertThat(table.isAlive(new Owner(43, 987_654_321L))).as("a zombie is dead").isFalse();
        assertThat(table.find(44)).as("a truncated stat").isEmpty();
        java.nio.file.Files.write(fakeProc.resolve("42/cmdline"), "node\0server.js\0--port\0003000\0".getBytes());
        assertThat(table.find(42).orElseThrow().commandLine()).isEqualTo("node server.js --port 3000");
        java.nio.file.Files.write(fakeProc.resolve("42/cmdline"), ("java\0" + "x".repeat(10_000) + "\0").getBytes());
        assertThat(table.find(42).orElseThrow().commandLine()).as("cut after %d bytes",
                ProcfsProcessTable.MAX_COMMAND_LINE).hasSize(ProcfsProcessTable.MAX_COMMAND_LINE).startsWith("java x");

        // The real file of this very process, against a plain split of it.
        long self = ProcessHandle.current().pid();
        String text = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + self + "/stat"));
        String[] rest = text.substring(text.lastIndexOf(')') + 2).split(" ");
        assertThat(processes.find(self).orElseThrow().startTime()).isEqualTo(Long.parseLong(rest[19]));
    }

    /** Both probes: the daemon's ({@link NativePortProbe}) and the one it falls back to. */
    static List<PortProbe> probes() {
        return List.of(new SocketPortProbe(), new NativePortProbe());
    }

    @ParameterizedTest
    @MethodSource("probes")
    void theProbeSeesAListenerOnEachOfTheFourAddresses(PortProbe probe) throws IOException {
        for (String address : List.of("127.0.0.1", "::1", "0.0.0.0", "::")) {
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
                int port = server.getLocalPort();
                assertThat(probe.canBind(port, Protocol.TCP)).as("TCP listener on %s", address).isFalse();
                assertThat(probe.canBind(port, Protocol.UDP)).as("UDP, TCP listener on %s", address).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("probes")
    void theProbeSeesUdpSocketsForUdp(PortProbe probe) throws IOException {
        for (String address : List.of("127.0.0.1", "::1")) {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0))) {
                assertThat(probe.canBind(socket.getLocalPort(), Protocol.UDP)).as("UDP socket on %s", address)
                        .isFalse();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("probes")
    void aFreePortIsBindableAndStaysFree(PortProbe probe) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(probe.canBind(port, Protocol.TCP)).isTrue();
        assertThat(probe.canBind(port, Protocol.UDP)).isTrue();
        assertThat(probe.canBind(port, Protocol.TCP)).as("the probe closed its own sockets").isTrue();
        try (ServerSocket s = new ServerSocket(port)) {
            assertThat(s.getLocalPort()).as("a server can take the port after the probe").isEqualTo(port);
        }
    }

    @ParameterizedTest
    @MethodSource("probes")
    void aBoundButNotListeningTcpSocketMakesThePortBusy(PortProbe probe) throws IOException {
        // bind() alone, as a server between its bind and its listen: the port is taken for a listener.
        try (java.nio.channels.SocketChannel bound = java.nio.channels.SocketChannel.open()) {
            bound.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = ((InetSocketAddress) bound.getLocalAddress()).getPort();
            assertThat(probe.canBind(port, Protocol.TCP)).isFalse();
        }
    }

    @Test
    void bothProbesAnswerTheSameForEveryPortOfARangeWithListenersInIt() throws IOException {
        List<ServerSocket> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getByName(i % 2 == 0 ? "127.0.0.1" : "::1")));
            }
            SocketPortProbe jdk = new SocketPortProbe();
            NativePortProbe sys = new NativePortProbe();
            int busy = 0;
            for (ServerSocket s : held) {
                for (int port = s.getLocalPort() - 2; port <= s.getLocalPort() + 2; port++) {
                    boolean expected = jdk.canBind(port, Protocol.TCP);
                    assertThat(sys.canBind(port, Protocol.TCP)).as("port %d", port).isEqualTo(expected);
                    busy += expected ? 0 : 1;
                }
            }
            assertThat(busy).as("every held port is busy for both").isGreaterThanOrEqualTo(held.size());
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    @Test
    void theDaemonGetsTheSystemCallProbeWhereNativeAccessIsEnabled() {
        assertThat(PortProbes.best()).isInstanceOf(NativePortProbe.class);
    }

    @Test
    void readsTheKernelsEphemeralRange() {
        assertThat(EphemeralPorts.read()).isNotNull();
        assertThat(EphemeralPorts.read().start()).isGreaterThan(1023);
    }
}
