package io.styxy.server.http;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.styxy.server.engine.EngineEvent;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The daemon's HTTP adapter on Helidon SE: the original's routes, the clean {@code /v1} API, the event stream,
 * security, JSON errors everywhere, and health through Helidon's observe feature at {@code /v1/observe}.
 *
 * <p>One instance per daemon (it subscribes to the engine's events); {@link #routing} can be applied to any routing
 * builder, so tests run the same routes in memory and over a socket.
 */
public final class HttpApi implements AutoCloseable {

    /** Where Helidon's observe feature is mounted; {@code /observe/{port}} belongs to the legacy API. */
    public static final String OBSERVE_ENDPOINT = "/v1/observe";
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final ApiContext ctx;
    private final ApiMetrics metrics = new ApiMetrics();
    private final EventStream events;
    private final AuditTrail auditTrail;
    private final Reports reports;
    private final List<Consumer<EngineEvent>> listeners;
    private volatile boolean helidonMetrics;
    private final UiGate ui;

    private HttpApi(ApiContext ctx, Duration heartbeat) {
        this.ctx = ctx;
        this.events = new EventStream(ctx.engine(), metrics, heartbeat);
        this.auditTrail = new AuditTrail(ctx.audit());
        this.reports = new Reports(ctx, metrics, events);
        this.listeners = List.of(metrics, auditTrail, events);
        this.ui = new UiGate(new UiSessions(java.time.InstantSource.system()), ctx.httpPort());
        listeners.forEach(ctx.engine()::addEventListener);
        metrics.gauge("styxy_leases", "Live leases", () -> ctx.engine().leaseCount());
        metrics.gauge("styxy_instances", "Registered instances", () -> ctx.engine().instances().size());
        metrics.gauge("styxy_quarantined_ports", "Ports waiting for a dead owner's socket to go away",
                () -> ctx.engine().quarantinedPorts().size());
        metrics.gauge("styxy_event_subscribers", "Clients on the event stream", events::subscribers);
        metrics.gauge("styxy_uptime_seconds", "Seconds since the daemon started", reports::uptimeSeconds);
        metrics.gauge("styxy_heap_used_bytes", "JVM heap in use", () -> {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        });
        metrics.gauge("styxy_resident_memory_bytes", "Resident set size of the daemon", Reports::rss);
    }

    public static HttpApi create(ApiContext ctx) {
        return new HttpApi(ctx, HEARTBEAT);
    }

    /** With another event-stream heartbeat (tests). */
    public static HttpApi create(ApiContext ctx, Duration heartbeat) {
        return new HttpApi(ctx, heartbeat);
    }

    public ApiMetrics metrics() {
        return metrics;
    }

    /** Adds the security filter, every route and the JSON error handler. */
    public void routing(HttpRouting.Builder routing) {
        RouteTable table = new RouteTable();
        Routes routes = new Routes(routing, table);
        routing.addFilter(new Security(ctx, metrics, ui));
        new LegacyRoutes(ctx, metrics, reports).register(routes);
        new V1Routes(ctx, metrics, reports, events).register(routes);
        if (!helidonMetrics) {
            // The daemon's own metrics in Prometheus text where Helidon's metrics observer would be.
            routes.get(OBSERVE_ENDPOINT + "/metrics", (req, res) -> {
                res.header(io.helidon.http.HeaderValues.create("Content-Type",
                        "text/plain; version=0.0.4; charset=utf-8"));
                res.send(metrics.prometheus().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            });
        }
        new UiRoutes(ctx, ui).register(routes);
        routing.error(Throwable.class, Errors.handler(table, metrics));
    }

    /**
     * Applies everything to a server builder: loopback only, JSON for the server's own errors, the body limit, the
     * routes, and the observe feature. Health is Helidon's; metrics are the daemon's own registry in Prometheus text
     * at {@code /v1/observe/metrics}, unless {@code helidonMetrics} mounts Helidon's Micrometer observer there
     * instead (about 700 more classes, a few MB and up to a second of start-up: see docs/api.md).
     */
    public void configure(WebServerConfig.Builder server, boolean helidonMetrics) {
        this.helidonMetrics = helidonMetrics;
        server.host("127.0.0.1")
                .featuresDiscoverServices(false)
                .maxPayloadSize(Requests.MAX_CONFIG_BODY)
                .directHandlers(Errors.directHandlers())
                .addFeature(observeFeature(helidonMetrics))
                .routing(this::routing);
    }

    /** Helidon's observe feature under {@value #OBSERVE_ENDPOINT}: health checks for the store and the observer. */
    public ObserveFeature observeFeature(boolean helidonMetrics) {
        HealthCheck daemon = new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.LIVENESS;
            }

            @Override
            public String name() {
                return "daemon";
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder().status(true).detail("leases", ctx.engine().leaseCount())
                        .detail("version", ctx.version()).build();
            }
        };
        HealthCheck store = new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "store";
            }

            @Override
            public HealthCheckResponse call() {
                String readOnly = reports.readOnly();
                boolean failing = readOnly != null || reports.storeFailing();
                var response = HealthCheckResponse.builder().status(!failing)
                        .detail("last_failure_at", String.valueOf(metrics.lastStoreFailure()))
                        .detail("read_only", readOnly != null);
                if (readOnly != null) {
                    response.detail("read_only_reason", readOnly);
                }
                return response.build();
            }
        };
        HealthCheck observer = new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "observer";
            }

            @Override
            public HealthCheckResponse call() {
                var report = ctx.observation().report();
                return HealthCheckResponse.builder().status(reports.observerHealthy(report))
                        .detail("observer", ctx.observation().observer())
                        .detail("failures", String.valueOf(report.get("failures"))).build();
            }
        };
        var builder = ObserveFeature.builder()
                .endpoint(OBSERVE_ENDPOINT)
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder().details(true).useSystemServices(false)
                        .addCheck(daemon).addCheck(store).addCheck(observer).build());
        if (helidonMetrics) {
            builder.addObserver(io.helidon.webserver.observe.metrics.MetricsObserver.create());
        }
        return builder.build();
    }

    @Override
    public void close() {
        events.close();
        listeners.forEach(ctx.engine()::removeEventListener);
    }
}
