package io.styxy.observers.testkit;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.testkit.RealListeners.Expected;
import io.styxy.observers.testkit.RealListeners.PythonHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What every port observer must do, checked against real sockets: Java listeners on 127.0.0.1, ::1, 0.0.0.0 and
 * :: (TCP) and on 127.0.0.1 and ::1 (UDP), and a {@code python3 -m http.server} child. An observer that reports
 * itself unavailable is skipped, with the reason logged; one that is available must pass everything.
 */
public abstract class PortObserverContract {

    /** The provider under test, constructed the way the daemon would construct it. */
    protected abstract PortObserverProvider provider();

    /** Whether this observer reports the owning process's working directory (tools that only print a pid may not). */
    protected boolean reportsCwd() {
        return true;
    }

    private PortObserver observer;
    private final RealListeners sockets = new RealListeners();

    @BeforeEach
    void createObserver() {
        PortObserverProvider provider = provider();
        Availability availability = provider.availability();
        if (!availability.usable()) {
            String why = "observer " + provider.name() + " is unavailable here, skipping: " + availability.reason();
            System.err.println(why);
            Assumptions.abort(why);
        }
        observer = provider.create(new ObserverConfig(Duration.ofSeconds(10), true, java.util.Map.of()));
    }

    @AfterEach
    void closeAll() {
        sockets.close();
        if (observer != null) {
            observer.close();
        }
    }

    @Test
    void reportsJavaListenersOfBothFamiliesWithOwner() throws Exception {
        sockets.tcp(AddressFamily.IPV4, "127.0.0.1");
        sockets.tcp(AddressFamily.IPV4, "0.0.0.0");
        sockets.udp(AddressFamily.IPV4, "127.0.0.1");
        if (RealListeners.hasIpv6()) {
            sockets.tcp(AddressFamily.IPV6, "::1");
            sockets.tcp(AddressFamily.IPV6, "::");
            sockets.udp(AddressFamily.IPV6, "::1");
        }
        List<Listener> all = observer.listeners();
        for (Expected e : sockets.expected()) {
            Listener l = find(all, e).orElseGet(() -> fail("%s not reported; saw on that port: %s", e,
                    all.stream().filter(x -> x.port() == e.port()).toList()));
            assertThat(l.processName()).as("process name of %s", e).isNotEmpty();
            assertThat(l.commandLine()).as("command line of %s", e).contains("java");
            assertThat(l.user()).as("user of %s", e).isEqualTo(System.getProperty("user.name"));
            if (reportsCwd()) {
                assertThat(l.cwd()).as("cwd of %s", e).isEqualTo(Path.of("").toAbsolutePath().toString());
            }
        }
    }

    @Test
    void singlePortCheckSeesOnlyThatPort() throws Exception {
        Expected v4 = sockets.tcp(AddressFamily.IPV4, "127.0.0.1");
        Expected udp = sockets.udp(AddressFamily.IPV4, "127.0.0.1");
        List<Listener> onPort = observer.listeners(v4.port());
        assertThat(onPort).allMatch(l -> l.port() == v4.port());
        assertThat(find(onPort, v4)).as("%s in %s", v4, onPort).isPresent();
        List<Listener> onUdpPort = observer.listeners(udp.port());
        assertThat(onUdpPort).allMatch(l -> l.port() == udp.port());
        assertThat(find(onUdpPort, udp)).as("%s in %s", udp, onUdpPort).isPresent();
    }

    @Test
    void forgetsAListenerOnceClosed() throws Exception {
        Expected e;
        try (RealListeners one = new RealListeners()) {
            e = one.tcp(AddressFamily.IPV4, "127.0.0.1");
            assertThat(find(observer.listeners(), e)).isPresent();
        }
        assertThat(find(observer.listeners(e.port()), e)).isEmpty();
        assertThat(find(observer.listeners(), e)).isEmpty();
    }

    @Test
    void reportsAChildProcessWithItsPidAndCommand(@TempDir Path dir) throws Exception {
        Optional<Path> python = PythonHttpServer.python();
        if (python.isEmpty()) {
            fail("python3 is needed for this test and is not installed");
        }
        try (PythonHttpServer child = PythonHttpServer.start(python.get(), dir)) {
            Expected e = new Expected(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", child.port(), child.pid());
            Listener l = find(observer.listeners(), e).orElseGet(() -> fail("%s not reported", e));
            assertThat(l.commandLine()).contains("http.server");
            assertThat(l.processName()).startsWith("python");
            if (reportsCwd()) {
                assertThat(l.cwd()).isEqualTo(dir.toRealPath().toString());
            }
            assertThat(find(observer.listeners(child.port()), e)).isPresent();
        }
    }

    @Test
    void keepsEveryHolderOfAPort() throws Exception {
        Expected v4 = sockets.tcp(AddressFamily.IPV4, "127.0.0.1");
        if (!RealListeners.hasIpv6()) {
            return;
        }
        // ::1 and 127.0.0.1 do not conflict: two listeners on one port, both must be reported.
        Expected v6;
        try {
            v6 = sockets.tcpOnPort(AddressFamily.IPV6, "::1", v4.port());
        } catch (java.io.IOException busy) {
            return; // the port was taken on ::1 by someone else meanwhile
        }
        List<Listener> onPort = observer.listeners(v4.port());
        assertThat(find(onPort, v4)).isPresent();
        assertThat(find(onPort, v6)).isPresent();
    }

    /** The listener matching protocol, family, address, port and pid. */
    protected static Optional<Listener> find(List<Listener> listeners, Expected e) {
        return listeners.stream()
                .filter(l -> l.protocol() == e.protocol() && l.family() == e.family() && l.port() == e.port()
                        && l.address().equals(e.address()) && l.pid() == e.pid())
                .findFirst();
    }

    /** Runs a scan, turning the checked exception into a test failure. */
    protected static List<Listener> scan(PortObserver observer) {
        try {
            return observer.listeners();
        } catch (ObserverException e) {
            throw new AssertionError(e);
        }
    }
}
