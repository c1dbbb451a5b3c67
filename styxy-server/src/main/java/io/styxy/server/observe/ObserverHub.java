package io.styxy.server.observe;

import io.styxy.api.Listener;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.server.engine.EngineEvent;
import io.styxy.server.engine.ListenerView;
import io.styxy.server.engine.ServiceTypeInference;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The daemon's view of the machine's listeners, through the best port observer available.
 *
 * <ul>
 *   <li><b>Choice.</b> Every provider is asked whether it can run here; the usable one with the highest priority
 *       wins, unless {@link Settings#forcedObserver()} names another. A forced observer that is missing or unusable
 *       is replaced by the best one, and the report says why. An observer whose scans fail
 *       {@link Settings#failuresBeforeFallback()} times in a row is replaced by the next usable one.</li>
 *   <li><b>Freshness.</b> A background virtual thread keeps a snapshot: every {@link Settings#activeInterval()}
 *       while clients asked within {@link Settings#activeWindow()}, every {@link Settings#idleInterval()} otherwise.
 *       A request that finds the snapshot stale wakes it at once. The snapshot is never older than about a second
 *       while clients ask.</li>
 *   <li><b>Decisions.</b> {@link #listenersOn(int)} asks the observer about one port directly (a port's status)
 *       and waits at most {@link Settings#checkTimeout()}; a slow, failing or hung observer is answered from the
 *       snapshot instead. Requests never wait on a tool beyond that bound. Allocation uses
 *       {@link #recentListenersOn(int)}: the snapshot while it is under a second old, since the engine's bind probe
 *       sees anything newer.</li>
 *   <li><b>Events.</b> Each new snapshot is compared with the previous one by (protocol, address, port, pid), so
 *       IPv4 and IPv6 listeners and every SO_REUSEPORT holder count separately; differences are published as
 *       {@link EngineEvent.ListenerAppeared} and {@link EngineEvent.ListenerVanished}. The first snapshot is the
 *       baseline and publishes nothing: read it with {@link #snapshot()}.</li>
 * </ul>
 */
public final class ObserverHub implements ListenerView, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ObserverHub.class.getName());
    private static final int INFERENCE_CACHE_LIMIT = 4_096;
    private static final int MAX_CHECKS_IN_FLIGHT = 4;
    private static final long RECENT_NANOS = 1_000_000_000L;

    /**
     * How the hub observes.
     *
     * @param forcedObserver         provider name to use instead of the best ({@code --observer}), or {@code null}
     * @param observerConfig         handed to the provider's {@code create}
     * @param activeInterval         refresh period while clients ask
     * @param idleInterval           refresh period when nobody asked for {@code activeWindow}
     * @param activeWindow           how long after a request the hub stays in the active rhythm
     * @param checkTimeout           longest wait for a single-port check, or for a stale snapshot to be refreshed
     * @param scanTimeout            longest wait for a full scan; after it the scan counts as failed (it may still
     *                               finish, and no second one starts meanwhile)
     * @param failuresBeforeFallback failed scans in a row after which the next usable observer takes over
     */
    public record Settings(String forcedObserver, ObserverConfig observerConfig, Duration activeInterval,
                           Duration idleInterval, Duration activeWindow, Duration checkTimeout, Duration scanTimeout,
                           int failuresBeforeFallback) {

        public Settings {
            Objects.requireNonNull(observerConfig, "observerConfig");
            Objects.requireNonNull(activeInterval, "activeInterval");
            Objects.requireNonNull(idleInterval, "idleInterval");
            Objects.requireNonNull(activeWindow, "activeWindow");
            Objects.requireNonNull(checkTimeout, "checkTimeout");
            Objects.requireNonNull(scanTimeout, "scanTimeout");
            if (forcedObserver != null && forcedObserver.isBlank()) {
                forcedObserver = null;
            }
            if (failuresBeforeFallback < 1) {
                throw new IllegalArgumentException("failuresBeforeFallback must be at least 1");
            }
        }

        /** 500 ms while active, 5 s idle, 250 ms per single-port check, the observer config's timeout per scan. */
        public static Settings defaults() {
            ObserverConfig config = ObserverConfig.defaults();
            return new Settings(null, config, Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Duration.ofMillis(250), config.toolTimeout().plusMillis(500), 3);
        }

        public Settings withForcedObserver(String name) {
            return new Settings(name, observerConfig, activeInterval, idleInterval, activeWindow, checkTimeout,
                    scanTimeout, failuresBeforeFallback);
        }

        public Settings withIntervals(Duration active, Duration idle) {
            return new Settings(forcedObserver, observerConfig, active, idle, activeWindow, checkTimeout,
                    scanTimeout, failuresBeforeFallback);
        }

        /** Options for every observer, keyed {@code <observer name>.<key>}. */
        public Settings withObserverOptions(java.util.Map<String, String> options) {
            return new Settings(forcedObserver, new ObserverConfig(observerConfig.toolTimeout(),
                    observerConfig.resolveOwners(), options), activeInterval, idleInterval, activeWindow,
                    checkTimeout, scanTimeout, failuresBeforeFallback);
        }

        public Settings withTimeouts(Duration check, Duration scan) {
            return new Settings(forcedObserver, observerConfig, activeInterval, idleInterval, activeWindow, check,
                    scan, failuresBeforeFallback);
        }
    }

    private record Judged(PortObserverProvider provider, String name, int priority, Availability availability) {
    }

    private record Snapshot(List<ObservedListener> listeners, Map<Integer, List<Listener>> byPort,
                            Map<String, Listener> byKey, Instant takenAt, long takenAtNanos) {

        static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), Map.of(), null, Long.MIN_VALUE);
    }

    private final Settings settings;
    private final Consumer<EngineEvent> events;
    private final List<Judged> judged;
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentHashMap<String, String> inferred = new ConcurrentHashMap<>();
    private final Semaphore checks = new Semaphore(MAX_CHECKS_IN_FLIGHT);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Condition scanned = lock.newCondition();

    private volatile Judged active;
    private volatile PortObserver observer;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile long lastDemandNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
    private volatile boolean closed;
    private volatile boolean started;
    private CompletableFuture<List<Listener>> scanInFlight;
    private Thread refresher;
    private int failuresInARow;
    private long scanCount;
    private long checkCount;
    private long errorCount;
    private String lastError;
    private Instant lastErrorAt;
    private Instant lastScanAt;
    private Duration lastScanDuration;

    /**
     * Judges the providers and creates the chosen observer. Call {@link #start()} to begin background scans.
     *
     * @param providers the candidates (built-ins from {@link #builtinProviders()}, plus plugins')
     * @param events    receives {@link EngineEvent.ListenerAppeared} and {@link EngineEvent.ListenerVanished}
     */
    public ObserverHub(List<PortObserverProvider> providers, Settings settings, Consumer<EngineEvent> events) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.events = Objects.requireNonNull(events, "events");
        this.judged = judge(providers);
        choose();
    }

    /** The providers on the module path (or class path), in ServiceLoader order; broken ones are skipped. */
    public static List<PortObserverProvider> builtinProviders() {
        List<PortObserverProvider> out = new ArrayList<>();
        Iterator<PortObserverProvider> it = ServiceLoader.load(PortObserverProvider.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError e) {
                LOG.log(System.Logger.Level.WARNING, "skipping a port observer provider that cannot be loaded: " + e.getMessage());
            }
        }
        return out;
    }

    private static List<Judged> judge(List<PortObserverProvider> providers) {
        List<Judged> out = new ArrayList<>();
        for (PortObserverProvider p : providers) {
            String name;
            int priority;
            Availability a;
            try {
                name = p.name();
                priority = p.priority();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "skipping port observer provider " + p.getClass().getName() + ": " + e);
                continue;
            }
            try {
                a = Objects.requireNonNull(p.availability(), "availability() returned null");
            } catch (RuntimeException | LinkageError e) {
                a = Availability.unusable("availability() failed: " + e);
            }
            out.add(new Judged(p, name, priority, a));
        }
        out.sort(Comparator.comparingInt(Judged::priority).reversed().thenComparing(Judged::name));
        return List.copyOf(out);
    }

    /** Picks and creates the observer: the forced one if it works, else the best usable one. */
    private void choose() {
        String forced = settings.forcedObserver();
        if (forced != null) {
            Judged wanted = judged.stream().filter(j -> j.name().equals(forced)).findFirst().orElse(null);
            if (wanted == null) {
                note("observer \"" + forced + "\" was asked for but is not installed (known: "
                        + judged.stream().map(Judged::name).toList() + "); using the best available instead");
            } else if (!wanted.availability().usable()) {
                note("observer \"" + forced + "\" was asked for but cannot run here: "
                        + wanted.availability().reason() + "; using the best available instead");
            } else if (activate(wanted)) {
                return;
            }
        }
        for (Judged j : judged) {
            if (j.availability().usable() && activate(j)) {
                return;
            }
        }
        note("no port observer can run here: foreign listeners are not seen, only bind probes decide");
    }

    /**
     * The observer config with only this observer's options: config.json's {@code observers.<name>.<key>} arrive
     * here as {@code <name>.<key>} and are handed over as {@code <key>}.
     */
    private ObserverConfig configFor(String name) {
        ObserverConfig all = settings.observerConfig();
        String prefix = name + ".";
        java.util.Map<String, String> own = new java.util.LinkedHashMap<>();
        all.options().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                own.put(k.substring(prefix.length()), v);
            }
        });
        return new ObserverConfig(all.toolTimeout(), all.resolveOwners(), own);
    }

    private boolean activate(Judged j) {
        try {
            PortObserver created = Objects.requireNonNull(j.provider().create(configFor(j.name())),
                    "create() returned null");
            observer = created;
            active = j;
            return true;
        } catch (RuntimeException | LinkageError e) {
            note("observer \"" + j.name() + "\" could not be created: " + e);
            return false;
        }
    }

    private void note(String text) {
        LOG.log(System.Logger.Level.INFO, text);
        notes.add(text);
    }

    /** Starts the background refresher. The first scan runs at once. */
    public void start() {
        lock.lock();
        try {
            if (started || closed) {
                return;
            }
            started = true;
            refresher = Thread.ofVirtual().name("styxy-observer-refresh").start(this::refreshLoop);
        } finally {
            lock.unlock();
        }
    }

    /** The name of the observer in use, or {@code null} if none can run. */
    public String activeObserver() {
        Judged a = active;
        return a == null ? null : a.name();
    }

    // ---------------------------------------------------------------------------------------------------- requests

    @Override
    public List<Listener> listenersOn(int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        demand();
        PortObserver current = observer;
        if (current == null || closed) {
            return List.of();
        }
        if (!checks.tryAcquire()) {
            return fromSnapshot(port); // earlier checks are still stuck in the observer
        }
        CompletableFuture<List<Listener>> check = new CompletableFuture<>();
        Thread.ofVirtual().name("styxy-observer-check").start(() -> {
            try {
                check.complete(List.copyOf(current.listeners(port)));
            } catch (Throwable t) {
                check.completeExceptionally(t);
            } finally {
                checks.release();
            }
        });
        try {
            List<Listener> result = check.get(settings.checkTimeout().toNanos(), TimeUnit.NANOSECONDS);
            counted(null);
            return result;
        } catch (TimeoutException e) {
            counted("single-port check of " + port + " took longer than " + settings.checkTimeout().toMillis()
                    + " ms; answered from the snapshot");
        } catch (ExecutionException e) {
            counted("single-port check of " + port + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fromSnapshot(port);
    }

    private void counted(String error) {
        lock.lock();
        try {
            checkCount++;
            if (error != null) {
                recordError(error);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * From the snapshot while it is at most a second old (it is refreshed every {@link Settings#activeInterval()}
     * while clients ask); otherwise a direct check like {@link #listenersOn(int)}.
     */
    @Override
    public List<Listener> recentListenersOn(int port) {
        demand();
        Snapshot s = snapshot;
        if (observer != null && !closed && ageNanos(s) <= RECENT_NANOS) {
            return s.byPort().getOrDefault(port, List.of());
        }
        return listenersOn(port);
    }

    private List<Listener> fromSnapshot(int port) {
        return snapshot.byPort().getOrDefault(port, List.of());
    }

    /**
     * Every listener of the latest snapshot with its inferred service type. If the snapshot is older than a second
     * it is refreshed first, waiting at most {@link Settings#checkTimeout()}.
     */
    public List<ObservedListener> snapshot() {
        demand();
        Snapshot s = snapshot;
        if (observer != null && started && !closed && ageNanos(s) > 1_000_000_000L) {
            awaitFresherThan(s, settings.checkTimeout());
        }
        return snapshot.listeners();
    }

    /** The listeners of one port from the latest snapshot, with their service types; never asks the observer. */
    public List<ObservedListener> snapshotOn(int port) {
        return snapshot().stream().filter(o -> o.listener().port() == port).toList();
    }

    /** The service type the command line suggests, or {@link ObservedListener#UNKNOWN}. */
    public String serviceTypeOf(Listener listener) {
        String commandLine = listener.commandLine().isEmpty() ? listener.processName() : listener.commandLine();
        String cached = inferred.get(commandLine);
        if (cached != null) {
            return cached;
        }
        String type = ServiceTypeInference.infer(commandLine).orElse(ObservedListener.UNKNOWN);
        if (inferred.size() >= INFERENCE_CACHE_LIMIT) {
            inferred.clear();
        }
        inferred.put(commandLine, type);
        return type;
    }

    private void demand() {
        long now = System.nanoTime();
        lastDemandNanos = now;
        if (started && ageNanos(snapshot) > settings.activeInterval().toNanos()) {
            lock.lock();
            try {
                wake.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private static long ageNanos(Snapshot s) {
        return s.takenAtNanos() == Long.MIN_VALUE ? Long.MAX_VALUE : System.nanoTime() - s.takenAtNanos();
    }

    private void awaitFresherThan(Snapshot old, Duration timeout) {
        long left = timeout.toNanos();
        lock.lock();
        try {
            wake.signalAll();
            while (snapshot == old && left > 0 && !closed) {
                left = scanned.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------- refresh

    private void refreshLoop() {
        while (!closed) {
            long scanStarted = System.nanoTime();
            scanOnce();
            lock.lock();
            try {
                while (!closed) {
                    // Re-evaluated on every wake-up: a request after a quiet spell switches to the short interval,
                    // and if that much time has passed since the last scan, scanning starts at once.
                    boolean activeClients = System.nanoTime() - lastDemandNanos < settings.activeWindow().toNanos();
                    long interval = (activeClients ? settings.activeInterval() : settings.idleInterval()).toNanos();
                    long wait = scanStarted + interval - System.nanoTime();
                    if (wait <= 0) {
                        break;
                    }
                    wake.awaitNanos(wait);
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** One full scan with the scan timeout; publishes the differences. Package-private for tests. */
    void scanOnce() {
        PortObserver current = observer;
        Judged which = active;
        if (current == null || closed) {
            return;
        }
        CompletableFuture<List<Listener>> scan;
        lock.lock();
        try {
            if (scanInFlight != null && !scanInFlight.isDone()) {
                recordError("observer " + which.name() + " is still busy with a scan that started more than "
                        + settings.scanTimeout().toMillis() + " ms ago");
                failed(which);
                return;
            }
            scan = new CompletableFuture<>();
            scanInFlight = scan;
        } finally {
            lock.unlock();
        }
        long t0 = System.nanoTime();
        Thread.ofVirtual().name("styxy-observer-scan").start(() -> {
            try {
                scan.complete(List.copyOf(current.listeners()));
            } catch (Throwable t) {
                scan.completeExceptionally(t);
            }
        });
        List<Listener> listeners;
        try {
            listeners = scan.get(settings.scanTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            scanFailed(which, "scan by " + which.name() + " took longer than " + settings.scanTimeout().toMillis()
                    + " ms");
            return;
        } catch (ExecutionException e) {
            scanFailed(which, "scan by " + which.name() + " failed: " + e.getCause().getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        long took = System.nanoTime() - t0;
        Snapshot previous = snapshot;
        Snapshot next = build(listeners);
        lock.lock();
        try {
            snapshot = next;
            scanCount++;
            failuresInARow = 0;
            lastScanAt = next.takenAt();
            lastScanDuration = Duration.ofNanos(took);
            scanned.signalAll();
        } finally {
            lock.unlock();
        }
        if (previous != Snapshot.EMPTY) {
            publishDifferences(previous, next);
        }
    }

    private void scanFailed(Judged which, String error) {
        lock.lock();
        try {
            lastScanAt = Instant.now();
            recordError(error);
            failed(which);
            scanned.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Counts a failed scan; after too many in a row, moves to the next usable observer. Holds the lock. */
    private void failed(Judged which) {
        failuresInARow++;
        if (failuresInARow < settings.failuresBeforeFallback() || which != active) {
            return;
        }
        int at = judged.indexOf(which);
        for (int i = at + 1; i < judged.size(); i++) {
            Judged next = judged.get(i);
            if (!next.availability().usable()) {
                continue;
            }
            PortObserver old = observer;
            if (activate(next)) {
                note("switched from observer \"" + which.name() + "\" to \"" + next.name() + "\" after "
                        + failuresInARow + " failed scans; last error: " + lastError);
                failuresInARow = 0;
                scanInFlight = null;
                closeQuietly(old);
                return;
            }
        }
    }

    private void recordError(String error) {
        errorCount++;
        lastError = error;
        lastErrorAt = Instant.now();
        LOG.log(System.Logger.Level.DEBUG, error);
    }

    private Snapshot build(List<Listener> listeners) {
        List<ObservedListener> observed = new ArrayList<>(listeners.size());
        Map<Integer, List<Listener>> byPort = new HashMap<>();
        Map<String, Listener> byKey = new LinkedHashMap<>();
        for (Listener l : listeners) {
            if (byKey.putIfAbsent(l.key(), l) != null) {
                continue; // same (protocol, address, port, pid): one process holding two such sockets
            }
            observed.add(new ObservedListener(l, serviceTypeOf(l)));
            byPort.computeIfAbsent(l.port(), p -> new ArrayList<>(2)).add(l);
        }
        byPort.replaceAll((p, ls) -> List.copyOf(ls));
        return new Snapshot(List.copyOf(observed), Map.copyOf(byPort), Collections.unmodifiableMap(byKey),
                Instant.now(), System.nanoTime());
    }

    private void publishDifferences(Snapshot before, Snapshot after) {
        for (Map.Entry<String, Listener> e : after.byKey().entrySet()) {
            if (!before.byKey().containsKey(e.getKey())) {
                publish(new EngineEvent.ListenerAppeared(e.getValue()));
            }
        }
        for (Map.Entry<String, Listener> e : before.byKey().entrySet()) {
            if (!after.byKey().containsKey(e.getKey())) {
                publish(new EngineEvent.ListenerVanished(e.getValue()));
            }
        }
    }

    private void publish(EngineEvent event) {
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener event consumer failed", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------- report

    /** Where observation stands: active observer, every provider, scan statistics and the last error. */
    public ObserverReport report() {
        Judged a = active;
        List<ObserverReport.ProviderStatus> providers = judged.stream()
                .map(j -> new ObserverReport.ProviderStatus(j.name(), j.priority(), j.availability().usable(),
                        j.availability().reason(), j == a))
                .toList();
        List<String> notesCopy;
        synchronized (notes) {
            notesCopy = List.copyOf(notes);
        }
        lock.lock();
        try {
            Snapshot s = snapshot;
            return new ObserverReport(a == null ? null : a.name(), notesCopy, providers, s.takenAt(), lastScanAt,
                    lastScanDuration, scanCount, checkCount, errorCount, lastError, lastErrorAt,
                    s.listeners().size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wake.signalAll();
            scanned.signalAll();
            t = refresher;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(observer);
    }

    private static void closeQuietly(PortObserver o) {
        if (o == null) {
            return;
        }
        try {
            o.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing an observer failed", e);
        }
    }
}
