package io.styxy.server.observe;

import io.styxy.api.Listener;
import io.styxy.server.engine.EngineEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub with the built-in observers found by ServiceLoader, against real sockets and a real child process. */
class ObserverHubRealListenersTest {

    private final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private ObserverHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
    }

    private static boolean eventually(BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return check.getAsBoolean();
    }

    private ObserverHub start(String forced) {
        ObserverHub.Settings settings = ObserverHub.Settings.defaults()
                .withIntervals(Duration.ofMillis(50), Duration.ofMillis(50))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5))
                .withForcedObserver(forced);
        ObserverHub h = new ObserverHub(ObserverHub.builtinProviders(), settings, events::add);
        h.start();
        return h;
    }

    @Test
    void findsEveryBuiltinAndPicksTheBestUsable() {
        hub = start(null);
        ObserverReport report = hub.report();
        assertThat(report.providers()).extracting(ObserverReport.ProviderStatus::name)
                .contains("procfs", "netlink", "ss", "lsof", "netstat");
        System.err.println("observers here: " + report.providers());
        ObserverReport.ProviderStatus best = report.providers().stream()
                .filter(ObserverReport.ProviderStatus::usable).findFirst().orElseThrow();
        assertThat(report.activeObserver()).isEqualTo(best.name());
    }

    @Test
    void aRealListenerAppearsAndVanishesWithEveryObserver() throws Exception {
        for (String name : List.of("netlink", "procfs", "ss", "lsof", "netstat")) {
            events.clear();
            hub = start(name);
            if (!name.equals(hub.activeObserver())) {
                System.err.println("skipping " + name + ": " + hub.report().notes());
                hub.close();
                continue;
            }
            assertThat(eventually(() -> hub.report().scanCount() >= 1)).as(name).isTrue();
            long pid = ProcessHandle.current().pid();
            int port;
            try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
                ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
                assertThat(hub.listenersOn(port)).as(name + " single-port check").extracting(Listener::pid)
                        .contains(pid);
                assertThat(eventually(() -> events.stream().anyMatch(e -> e instanceof EngineEvent.ListenerAppeared a
                        && a.listener().port() == port && a.listener().pid() == pid))).as(name + " appeared").isTrue();
            }
            assertThat(eventually(() -> events.stream().anyMatch(e -> e instanceof EngineEvent.ListenerVanished v
                    && v.listener().port() == port && v.listener().pid() == pid))).as(name + " vanished").isTrue();
            assertThat(hub.listenersOn(port)).as(name + " after close").isEmpty();
            hub.close();
        }
    }

    @Test
    void aPythonHttpServerIsAnApiListener(@TempDir Path dir) throws Exception {
        Path python = Files.isExecutable(Path.of("/usr/bin/python3")) ? Path.of("/usr/bin/python3") : Path.of("python3");
        Process p = new ProcessBuilder(python.toString(), "-u", "-m", "http.server", "0", "--bind", "127.0.0.1")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            CompletableFuture<Integer> portFuture = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                Pattern serving = Pattern.compile("port (\\d+)");
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        Matcher m = serving.matcher(line);
                        if (m.find()) {
                            portFuture.complete(Integer.parseInt(m.group(1)));
                        }
                    }
                } catch (Exception e) {
                    portFuture.completeExceptionally(e);
                }
            });
            int port = portFuture.get(20, TimeUnit.SECONDS);
            hub = start(null);
            assertThat(hub.listenersOn(port)).extracting(Listener::pid).containsExactly(p.pid());
            assertThat(eventually(() -> hub.snapshotOn(port).size() == 1)).isTrue();
            ObservedListener seen = hub.snapshotOn(port).getFirst();
            assertThat(seen.serviceType()).isEqualTo("api");
            assertThat(seen.listener().commandLine()).contains("http.server");
            assertThat(seen.listener().cwd()).isEqualTo(dir.toRealPath().toString());
        } finally {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
