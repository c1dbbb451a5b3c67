package io.styxy.server.daemon;

import io.helidon.webserver.WebServer;
import io.styxy.api.PortRange;
import io.styxy.server.audit.AuditLog;
import io.styxy.server.config.ConfigException;
import io.styxy.server.config.ConfigFileTypeWriter;
import io.styxy.server.config.ReadOnlyCheck;
import io.styxy.server.config.StateDir;
import io.styxy.server.config.UserConfig;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineSettings;
import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.ServiceTypeCatalog;
import io.styxy.server.http.ApiContext;
import io.styxy.server.http.ConfigFacts;
import io.styxy.server.http.HttpApi;
import io.styxy.server.json.JsonValues;
import io.styxy.server.observe.ObserverHub;
import io.styxy.server.os.EphemeralPorts;
import io.styxy.server.os.ProcfsProcessTable;
import io.styxy.server.os.PortProbes;
import io.styxy.server.plugins.PluginReport;
import io.styxy.server.plugins.Plugins;
import io.styxy.server.store.Durability;
import io.styxy.server.store.ReadOnlyGuard;
import io.styxy.server.store.SqliteLeaseStore;
import io.styxy.server.unix.LineProtocol;
import io.styxy.server.unix.UnixSocketServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Wires the engine to its adapters and runs them. The composition root; nothing else creates adapters. */
public final class Daemon implements AutoCloseable {

    public static final String VERSION = "0.1.0";
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());
    private static final long SWEEP_INTERVAL_MS = 250;
    private static final Duration UNIX_IDLE = Duration.ofSeconds(30);
    /** Helidon's metrics observer (Micrometer) at /v1/observe/metrics; see docs/api.md for the measurements. */
    private static final boolean HELIDON_METRICS = Boolean.getBoolean("styxy.helidonMetrics");

    /** Counts Unix-socket requests in the HTTP adapter's metrics. */
    private record ApiMetricsHook(HttpApi api) implements java.util.function.BiConsumer<String, String> {
        @Override
        public void accept(String verb, String result) {
            api.metrics().increment("styxy_unix_requests_total", "verb", verb, "result", result);
        }
    }

    private final StateDir state;
    private final DaemonLock lock;
    private final Engine engine;
    private final LeaseStore store;
    private final ObserverHub observers;
    private final ScheduledExecutorService sweeper;
    private final WebServer server;
    private final AuditLog audit;
    private final DaemonOptions options;
    private final HttpApi api;
    private final UnixSocketServer unix;
    private final Plugins plugins;
    private boolean closed;
    private volatile int boundPort;
    /** Where this daemon wrote daemon.json: in the home, or beside the runtime lock when the home is read-only. */
    private Path infoFile;

    private Daemon(DaemonOptions options, StateDir state, DaemonLock lock, Engine engine, LeaseStore store,
                   ObserverHub observers, ScheduledExecutorService sweeper, WebServer server,
                   AuditLog audit, HttpApi api, UnixSocketServer unix, Plugins plugins) {
        this.options = options;
        this.plugins = plugins;
        this.state = state;
        this.lock = lock;
        this.engine = engine;
        this.store = store;
        this.observers = observers;
        this.sweeper = sweeper;
        this.server = server;
        this.audit = audit;
        this.api = api;
        this.unix = unix;
    }

    /**
     * Starts every part, or fails having started nothing that keeps running. On a read-only home it starts in
     * read-only mode: the ledger as stored, reads served, every change refused with {@code STATE_READ_ONLY}.
     */
    public static Daemon start(DaemonOptions options) throws AlreadyRunningException, ConfigException, IOException {
        return start(options, ReadOnlyCheck.FILE_SYSTEM);
    }

    /** {@link #start(DaemonOptions)} with the given read-only check (tests of the read-only mode). */
    public static Daemon start(DaemonOptions options, ReadOnlyCheck readOnlyCheck)
            throws AlreadyRunningException, ConfigException, IOException {
        StateDir state = StateDir.open(options.home(), readOnlyCheck);
        String readOnly = state.readOnlyMessage();
        DaemonLock lock = DaemonLock.tryAcquire(state);
        if (lock == null) {
            throw new AlreadyRunningException(describeRunning(state));
        }
        LeaseStore store = null;
        ObserverHub observers = null;
        ScheduledExecutorService sweeper = null;
        HttpApi api = null;
        UnixSocketServer unix = null;
        try {
            Instant startedAt = Instant.now();
            String token = state.token();
            UserConfig config = UserConfig.load(state.configFile());
            Plugins plugins = Plugins.load(options.plugins(), state.plugins());
            List<CatalogEntry> catalog = config.mergeOver(plugins.serviceTypes());
            PortRange ephemeral = EphemeralPorts.read();
            UserConfig.warnings(catalog, ephemeral).forEach(w -> LOG.warning("styxy: config: " + w));
            AuditLog audit;
            Path movedAside = null;
            if (readOnly != null) {
                LOG.warning("styxy: " + readOnly + ". Serving reads only: every change is refused until then");
                audit = AuditLog.memoryOnly(state.auditLog(), "STYXY_HOME " + state.root() + " is read-only");
                store = SqliteLeaseStore.openReadOnly(state.database(), readOnly);
            } else {
                audit = new AuditLog(state.auditLog());
                SqliteLeaseStore sqlite = SqliteLeaseStore.open(state.database(),
                        Durability.fromConfig(config.durability()));
                movedAside = sqlite.movedAside();
                store = new ReadOnlyGuard(sqlite, state::readOnlyNow);
                if (movedAside != null) {
                    audit.record("DATABASE_MOVED_ASIDE", Map.of("file", movedAside.toString()));
                }
            }
            boolean rebuild = movedAside != null;
            // The hub publishes listener events into the engine's stream; the engine exists only after the hub.
            AtomicReference<Engine> engineRef = new AtomicReference<>();
            observers = new ObserverHub(plugins.observerProviders(), ObserverHub.Settings.defaults()
                    .withForcedObserver(options.observer() != null ? options.observer() : config.observer())
                    .withObserverOptions(config.observerOptions()),
                    event -> {
                        Engine e = engineRef.get();
                        if (e != null) {
                            e.publish(event);
                        }
                    });
            EngineSettings settings = EngineSettings.defaults().withAutoRanges(config.autoRanges())
                    .withEphemeralRange(ephemeral).withHeartbeat(config.heartbeatInterval(),
                            config.missedHeartbeats());
            Engine engine = new Engine(new ServiceTypeCatalog(catalog), settings, InstantSource.system(),
                    new ProcfsProcessTable(), PortProbes.best(), observers, store,
                    new ConfigFileTypeWriter(state, audit));
            engineRef.set(engine);
            observers.start();
            if (rebuild) {
                int rebuilt = Recovery.rebuildFromListeners(engine, observers.snapshot());
                LOG.warning("styxy: rebuilt " + rebuilt + " leases from the processes listening on managed ports");
                audit.record("LEDGER_REBUILT", Map.of("leases", rebuilt));
            }

            sweeper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                    .name("styxy-sweeper").unstarted(r));
            sweeper.scheduleWithFixedDelay(() -> {
                try {
                    engine.sweep();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "styxy: sweep failed: " + e.getMessage());
                }
            }, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);

            AtomicInteger boundPort = new AtomicInteger(-1);
            // A socket file cannot be made in a read-only home: skip it there (the interposer then leaves binds
            // alone); a socket placed elsewhere with --socket or STYXY_SOCKET is served as usual.
            boolean socketSkipped = readOnly != null && options.socket().toAbsolutePath().normalize()
                    .startsWith(state.root().toAbsolutePath().normalize());
            if (socketSkipped) {
                LOG.warning("styxy: no Unix socket: " + options.socket() + " would be in the read-only home; the"
                        + " interposer cannot reach this daemon (set STYXY_SOCKET to a writable place to serve it)");
            }
            ApiContext ctx = new ApiContext(engine, token, boundPort::get, audit, VERSION, startedAt,
                    socketSkipped ? null : options.socket(), state.root(), new HubObservation(observers),
                    new ConfigFacts(config, plugins.serviceTypes(), ephemeral,
                            config.durability()),
                    () -> plugins.report(engine.catalog().entries()).toMap());
            api = HttpApi.create(ctx);
            HttpApi http = api;
            ApiMetricsHook metricsHook = new ApiMetricsHook(http);
            if (!socketSkipped) {
                unix = UnixSocketServer.start(options.socket(), new LineProtocol(engine, metricsHook), UNIX_IDLE);
            }
            WebServer server;
            try {
                var builder = WebServer.builder().port(options.port());
                http.configure(builder, HELIDON_METRICS);
                server = builder.build().start();
            } catch (RuntimeException e) {
                throw new IOException("cannot listen on 127.0.0.1:" + options.port() + " (" + e.getMessage()
                        + "); choose another port with --port or STYXY_DAEMON_PORT", e);
            }
            boundPort.set(listeningPort(server));
            Daemon daemon = new Daemon(options, state, lock, engine, store, observers, sweeper, server, audit, api,
                    unix, plugins);
            daemon.boundPort = boundPort.get();
            daemon.writeInfo(startedAt);
            audit.record("DAEMON_STARTED", Map.of("pid", ProcessHandle.current().pid(), "port", boundPort.get(),
                    "socket", unix == null ? "none" : unix.path().toString(), "read_only", readOnly != null));
            LOG.info("styxy: daemon " + VERSION + " listening on http://127.0.0.1:" + boundPort.get()
                    + (unix == null ? "" : " and " + unix.path()) + " (pid "
                    + ProcessHandle.current().pid() + ", home " + state.root() + (readOnly != null ? ", read-only" : "")
                    + ", observer " + observers.activeObserver() + ")");
            return daemon;
        } catch (ConfigException | IOException | RuntimeException e) {
            if (unix != null) {
                unix.close();
            }
            if (api != null) {
                api.close();
            }
            if (sweeper != null) {
                sweeper.shutdownNow();
            }
            if (observers != null) {
                observers.close();
            }
            if (store != null) {
                store.close();
            }
            lock.close();
            throw e;
        }
    }

    /**
     * The port the server listens on. Right after {@code start()} Helidon may still answer -1 while its listener
     * settles (seen under load), so wait for the real number rather than publish -1 in daemon.json.
     */
    private static int listeningPort(WebServer server) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            int port = server.port();
            if (port > 0) {
                return port;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop();
        throw new IOException("the HTTP server started but reports no listening port");
    }

    private static String describeRunning(StateDir state) {
        for (Path file : infoFiles(state)) {
            try {
                Map<String, Object> info = JsonValues.asObject(JsonValues.parse(Files.readAllBytes(file)));
                if (info != null && info.get("pid") instanceof Number pid
                        && ProcessHandle.of(pid.longValue()).map(ProcessHandle::isAlive).orElse(false)) {
                    return "already running (pid " + pid + ", port " + info.get("http_port") + ")";
                }
            } catch (IOException e) {
                // the next place, or the plain answer below
            }
        }
        return "already running (another daemon holds " + (state.readOnly() ? "the lock of " : "") + state.lockFile()
                + ")";
    }

    /** Where a running daemon of this home may have written daemon.json, the likelier first. */
    private static List<Path> infoFiles(StateDir state) {
        try {
            return state.readOnly() ? List.of(state.runtimeDaemonInfo(), state.daemonInfo())
                    : List.of(state.daemonInfo());
        } catch (IOException e) {
            return List.of(state.daemonInfo());
        }
    }

    /**
     * daemon.json, which the CLI reads to find the daemon: in the home, or (read-only home) in the runtime
     * directory under the home's key, with {@code home} and {@code read_only} so it is clear which home it serves.
     */
    private void writeInfo(Instant startedAt) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("pid", ProcessHandle.current().pid());
        info.put("http_port", httpPort());
        info.put("socket", unix == null ? null : options.socket().toString());
        info.put("version", VERSION);
        info.put("started_at", startedAt.toString());
        info.put("home", state.root().toString());
        info.put("read_only", state.readOnly());
        Path file = state.readOnly() ? state.runtimeDaemonInfo() : state.daemonInfo();
        StateDir.writeAtomically(file, JsonValues.text(info) + "\n");
        infoFile = file;
    }

    public int httpPort() {
        return boundPort;
    }

    public Engine engine() {
        return engine;
    }

    public StateDir state() {
        return state;
    }

    /** The plugins and built-ins: what loaded from where, what was skipped and why, against today's catalog. */
    public PluginReport pluginReport() {
        return plugins.report(engine.catalog().entries());
    }

    /** Stops serving, commits what is queued, releases the lock. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (unix != null) {
            unix.close();
        }
        api.close();
        server.stop();
        sweeper.shutdownNow();
        observers.close();
        store.close();
        audit.record("DAEMON_STOPPED", Map.of("pid", ProcessHandle.current().pid()));
        audit.close();
        try {
            if (infoFile != null) {
                Files.deleteIfExists(infoFile);
            }
            lock.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "styxy: cleanup at exit failed: " + e.getMessage());
        }
    }
}
