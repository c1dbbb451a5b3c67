package io.styxy.server.observe;

import io.styxy.api.Listener;
import io.styxy.server.engine.EngineEvent;
import io.styxy.server.observe.FakeObservers.Provider;
import io.styxy.server.observe.FakeObservers.Scripted;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.styxy.server.observe.FakeObservers.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Choice, fallback, single-port checks, timeouts and events, with scripted observers. */
class ObserverHubTest {

    private final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private ObserverHub hub;

    private static ObserverHub.Settings fast() {
        return ObserverHub.Settings.defaults()
                .withIntervals(Duration.ofMillis(20), Duration.ofMillis(200))
                .withTimeouts(Duration.ofMillis(200), Duration.ofMillis(300));
    }

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
    }

    private static boolean eventually(java.util.function.BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return check.getAsBoolean();
    }

    @Test
    void picksTheUsableProviderWithTheHighestPriority() {
        hub = new ObserverHub(List.of(
                Provider.usable("slow-tool", 10, new Scripted()),
                Provider.usable("fast", 100, new Scripted()),
                Provider.unusable("fastest", 200, "needs Linux")), fast(), events::add);
        assertThat(hub.activeObserver()).isEqualTo("fast");
        ObserverReport report = hub.report();
        assertThat(report.activeObserver()).isEqualTo("fast");
        assertThat(report.notes()).isEmpty();
        assertThat(report.providers()).extracting(ObserverReport.ProviderStatus::name)
                .containsExactly("fastest", "fast", "slow-tool");
        assertThat(report.providers().getFirst())
                .isEqualTo(new ObserverReport.ProviderStatus("fastest", 200, false, "needs Linux", false));
        assertThat(report.providers().get(1).active()).isTrue();
    }

    @Test
    void eachObserverIsCreatedWithItsOwnOptionsFromTheConfig() {
        java.util.concurrent.atomic.AtomicReference<io.styxy.api.spi.ObserverConfig> seen =
                new java.util.concurrent.atomic.AtomicReference<>();
        io.styxy.api.spi.PortObserverProvider recording = new io.styxy.api.spi.PortObserverProvider() {
            public String name() {
                return "declared";
            }

            public int priority() {
                return 100;
            }

            public io.styxy.api.spi.Availability availability() {
                return io.styxy.api.spi.Availability.usable("test");
            }

            public io.styxy.api.spi.PortObserver create(io.styxy.api.spi.ObserverConfig config) {
                seen.set(config);
                return new Scripted();
            }
        };
        hub = new ObserverHub(List.of(recording), fast().withObserverOptions(
                java.util.Map.of("declared.file", "/srv/ports", "ss.timeout_ms", "500")), events::add);
        assertThat(seen.get().options()).isEqualTo(java.util.Map.of("file", "/srv/ports"));
    }

    @Test
    void honoursAForcedObserver() {
        hub = new ObserverHub(List.of(
                Provider.usable("slow-tool", 10, new Scripted()),
                Provider.usable("fast", 100, new Scripted())), fast().withForcedObserver("slow-tool"), events::add);
        assertThat(hub.activeObserver()).isEqualTo("slow-tool");
        assertThat(hub.report().notes()).isEmpty();
    }

    @Test
    void aForcedObserverWhoseToolIsMissingFallsBackAndSaysWhy() {
        hub = new ObserverHub(List.of(
                Provider.unusable("ss", 30, "ss is not on PATH (/nonexistent); install iproute2"),
                Provider.usable("lsof", 20, new Scripted())), fast().withForcedObserver("ss"), events::add);
        assertThat(hub.activeObserver()).isEqualTo("lsof");
        assertThat(hub.report().notes()).singleElement().asString()
                .contains("\"ss\"").contains("ss is not on PATH").contains("best available");
    }

    @Test
    void aForcedObserverThatIsNotInstalledFallsBack() {
        hub = new ObserverHub(List.of(Provider.usable("procfs", 100, new Scripted())),
                fast().withForcedObserver("dtrace"), events::add);
        assertThat(hub.activeObserver()).isEqualTo("procfs");
        assertThat(hub.report().notes()).singleElement().asString().contains("dtrace").contains("not installed");
    }

    @Test
    void noUsableObserverMeansAnEmptyViewAndAReason() {
        hub = new ObserverHub(List.of(Provider.unusable("procfs", 100, "procfs needs Linux")), fast(), events::add);
        hub.start();
        assertThat(hub.activeObserver()).isNull();
        assertThat(hub.listenersOn(3000)).isEmpty();
        assertThat(hub.snapshot()).isEmpty();
        assertThat(hub.report().notes()).singleElement().asString().contains("no port observer");
    }

    @Test
    void aProviderThatThrowsIsReportedNotFatal() {
        io.styxy.api.spi.PortObserverProvider broken = new io.styxy.api.spi.PortObserverProvider() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public int priority() {
                return 500;
            }

            @Override
            public io.styxy.api.spi.Availability availability() {
                throw new IllegalStateException("boom");
            }

            @Override
            public io.styxy.api.spi.PortObserver create(io.styxy.api.spi.ObserverConfig config) {
                throw new AssertionError("never created");
            }
        };
        hub = new ObserverHub(List.of(broken, Provider.usable("ok", 1, new Scripted())), fast(), events::add);
        assertThat(hub.activeObserver()).isEqualTo("ok");
        assertThat(hub.report().providers().getFirst().reason()).contains("availability() failed");
    }

    @Test
    void singlePortCheckAsksTheObserverForThatPort() {
        Scripted observer = new Scripted();
        observer.listeners.add(listener(3000, 42, "node /app/node_modules/.bin/vite"));
        observer.listeners.add(listener(8000, 43, "python3 -m http.server 8000"));
        hub = new ObserverHub(List.of(Provider.usable("x", 1, observer)), fast(), events::add);
        assertThat(hub.listenersOn(3000)).extracting(Listener::pid).containsExactly(42L);
        assertThat(hub.listenersOn(3001)).isEmpty();
        assertThat(observer.checks.get()).isEqualTo(2);
        assertThat(observer.scans.get()).isZero();
        assertThatThrownBy(() -> hub.listenersOn(70_000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void allocationChecksUseASnapshotUnderASecondOldAndAskDirectlyOtherwise() throws Exception {
        Scripted observer = new Scripted();
        observer.listeners.add(listener(3000, 42, "node server.js"));
        hub = new ObserverHub(List.of(Provider.usable("x", 1, observer)), fast(), events::add);
        assertThat(hub.recentListenersOn(3000)).as("no snapshot yet: a direct check")
                .extracting(Listener::pid).containsExactly(42L);
        assertThat(observer.checks.get()).isEqualTo(1);

        hub.start();
        assertThat(eventually(() -> hub.report().scanCount() >= 1)).isTrue();
        for (int i = 0; i < 50; i++) {
            assertThat(hub.recentListenersOn(3000)).extracting(Listener::pid).containsExactly(42L);
            assertThat(hub.recentListenersOn(3001)).isEmpty();
        }
        assertThat(observer.checks.get()).as("answered from the snapshot").isEqualTo(1);

        observer.listeners.add(listener(3001, 43, "python3 -m http.server 3001"));
        assertThat(eventually(() -> hub.recentListenersOn(3001).size() == 1))
                .as("a new listener shows within the refresh rhythm").isTrue();
    }

    @Test
    void aHungObserverDoesNotHoldUpASinglePortCheck() throws Exception {
        Scripted observer = new Scripted();
        observer.listeners.add(listener(3000, 42, "node server.js"));
        hub = new ObserverHub(List.of(Provider.usable("hangs", 1, observer)), fast(), events::add);
        hub.start();
        assertThat(eventually(() -> hub.report().scanCount() >= 1)).isTrue();

        observer.checkDelay = Duration.ofSeconds(60);
        long t0 = System.nanoTime();
        List<Listener> answer = hub.listenersOn(3000);
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(answer).as("answered from the snapshot").extracting(Listener::pid).containsExactly(42L);
        assertThat(tookMillis).as("bounded by the check timeout (200 ms), not the observer (60 s)")
                .isLessThan(5_000);
        assertThat(hub.report().errorCount()).isPositive();
        assertThat(hub.report().lastError()).contains("longer than 200 ms");

        // More checks while earlier ones are still stuck: answered from the snapshot without piling up threads.
        for (int i = 0; i < 10; i++) {
            assertThat(hub.listenersOn(3000)).hasSize(1);
        }
        assertThat(observer.checks.get()).isLessThanOrEqualTo(4);
    }

    @Test
    void aHungScanTimesOutAndTheNextObserverTakesOver() throws Exception {
        Scripted hangs = new Scripted();
        hangs.scanDelay = Duration.ofSeconds(60);
        Scripted works = new Scripted();
        works.listeners.add(listener(5432, 7, "/usr/lib/postgresql/15/bin/postgres -D /data"));
        hub = new ObserverHub(List.of(Provider.usable("netlink", 110, hangs), Provider.usable("ss", 30, works)),
                fast(), events::add);
        hub.start();
        assertThat(eventually(() -> "ss".equals(hub.activeObserver()))).isTrue();
        assertThat(eventually(() -> hub.report().scanCount() >= 1)).isTrue();
        ObserverReport report = hub.report();
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("switched from observer \"netlink\" to \"ss\""));
        assertThat(report.errorCount()).isGreaterThanOrEqualTo(3);
        assertThat(hangs.closed).isTrue();
        assertThat(hub.snapshot()).singleElement().satisfies(o -> assertThat(o.serviceType()).isEqualTo("database"));
    }

    @Test
    void failingScansKeepTheLastSnapshot() throws Exception {
        Scripted observer = new Scripted();
        observer.listeners.add(listener(3000, 42, "npm run dev"));
        hub = new ObserverHub(List.of(Provider.usable("only", 1, observer)), fast(), events::add);
        hub.start();
        assertThat(eventually(() -> hub.report().scanCount() >= 1)).isTrue();
        observer.failWith = "tool crashed";
        assertThat(eventually(() -> hub.report().errorCount() >= 2)).isTrue();
        assertThat(hub.report().lastError()).contains("tool crashed");
        assertThat(hub.activeObserver()).as("no other observer to go to").isEqualTo("only");
        assertThat(hub.listenersOn(3000)).hasSize(1);
        assertThat(hub.snapshot()).extracting(ObservedListener::serviceType).containsExactly("dev");
    }

    @Test
    void publishesAppearedAndVanishedByProtocolAddressPortAndPid() throws Exception {
        Scripted observer = new Scripted();
        Listener a = listener(3000, 42, "node a.js");
        observer.listeners.add(a);
        hub = new ObserverHub(List.of(Provider.usable("x", 1, observer)), fast(), events::add);
        hub.scanOnce();
        assertThat(events).as("the first snapshot is the baseline").isEmpty();

        Listener sameSocketOtherPid = listener(3000, 43, "node a.js");
        Listener v6 = new Listener(a.protocol(), io.styxy.api.AddressFamily.IPV6, "::1", 3000, 42, "fake", "node a.js",
                "/", "dev", 0);
        observer.listeners.add(sameSocketOtherPid);
        observer.listeners.add(v6);
        hub.scanOnce();
        assertThat(events).containsExactlyInAnyOrder(new EngineEvent.ListenerAppeared(sameSocketOtherPid),
                new EngineEvent.ListenerAppeared(v6));

        events.clear();
        observer.listeners.remove(a);
        hub.scanOnce();
        assertThat(events).containsExactly(new EngineEvent.ListenerVanished(a));
        assertThat(hub.report().scanCount()).isEqualTo(3);
        assertThat(hub.report().lastScanDuration()).isNotNull();
        assertThat(hub.report().listenerCount()).isEqualTo(2);
    }

    @Test
    void staysFreshWhileAskedAndSlowsDownWhenIdle() throws Exception {
        Scripted observer = new Scripted();
        ObserverHub.Settings settings = ObserverHub.Settings.defaults()
                .withIntervals(Duration.ofMillis(50), Duration.ofSeconds(30));
        hub = new ObserverHub(List.of(Provider.usable("x", 1, observer)), settings, events::add);
        hub.start();
        assertThat(eventually(() -> observer.scans.get() >= 1)).isTrue();
        Thread.sleep(300);
        int idleScans = observer.scans.get();
        assertThat(idleScans).as("idle: one scan per 30 s").isLessThanOrEqualTo(2);

        for (int i = 0; i < 10; i++) {
            hub.listenersOn(3000);
            Thread.sleep(50);
        }
        assertThat(observer.scans.get()).as("asked: refreshed about every 50 ms").isGreaterThan(idleScans + 3);
        assertThat(hub.report().snapshotAt()).isNotNull();
    }
}
