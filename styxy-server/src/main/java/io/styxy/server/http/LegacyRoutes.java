package io.styxy.server.http;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.styxy.api.Listener;
import io.styxy.server.engine.Allocation;
import io.styxy.server.engine.AllocationRequest;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineException;
import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.PortStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Every route of the original daemon, with its method, path, request and response fields, so its CLI, hooks and
 * preload clients keep working — minus its defects: JSON errors with stable codes and right statuses, a reachable
 * {@code /observe/all}, a real {@code /health}, monotonic metrics, a real audit trail.
 */
final class LegacyRoutes {

    /** Widest {@code /scan} range: the original's validator allowed 10,000 ports. */
    static final int MAX_SCAN_SPAN = 10_000;
    private static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z0-9_.:-]{1,100}");
    private static final int MAX_PRELOAD_REGISTRATIONS = 1000;

    private final ApiContext ctx;
    private final Engine engine;
    private final ApiMetrics metrics;
    private final Reports reports;
    /** {@code /register-instance} registrations without a lease: kept in memory, as the original did. */
    private final Map<String, Map<String, Object>> preloadInstances = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
            return size() > MAX_PRELOAD_REGISTRATIONS;
        }
    };

    LegacyRoutes(ApiContext ctx, ApiMetrics metrics, Reports reports) {
        this.ctx = ctx;
        this.engine = ctx.engine();
        this.metrics = metrics;
        this.reports = reports;
    }

    void register(Routes r) {
        r.get("/status", this::status)
                .post("/allocate", this::allocate)
                .delete("/allocate/{lockId}", this::release)
                .get("/check/{port}", this::check)
                .get("/allocations", this::allocations)
                .get("/config", this::config)
                .get("/instance/list", this::instanceList)
                .post("/instance/register", this::instanceRegister)
                .put("/instance/{instanceId}/heartbeat", this::instanceHeartbeat)
                .post("/cleanup", this::cleanup)
                .get("/scan", this::scan)
                .get("/health", this::health)
                .get("/metrics", this::metrics)
                .get("/audit", this::audit)
                .get("/circuit-breakers", this::circuitBreakers)
                // /observe/all before /observe/{port}: the original registered them the other way round, so "all"
                // was taken for a port number and the route was unreachable.
                .get("/observe/all", this::observeAll)
                .get("/observe/{port}", this::observePort)
                .get("/suggest/{serviceType}", this::suggest)
                .post("/register-instance", this::registerInstance)
                .get("/observation-stats", this::observationStats);
    }

    // ------------------------------------------------------------------ allocation

    private void status(ServerRequest req, ServerResponse res) {
        Runtime rt = Runtime.getRuntime();
        Json.ok(res, Json.obj(
                "status", "running",
                "uptime", reports.uptimeSeconds(),
                "allocations", engine.leaseCount(),
                "instances", engine.instances().size(),
                "memory", Json.obj("rss", Reports.rss(), "heapTotal", rt.totalMemory(),
                        "heapUsed", rt.totalMemory() - rt.freeMemory()),
                "version", ctx.version(),
                "pid", ProcessHandle.current().pid(),
                "read_only", engine.readOnly() != null));
    }

    private void allocate(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        AllocationRequest request = new AllocationRequest(Requests.text(body, "service_type"),
                Requests.text(body, "service_name"), Requests.port(body, "preferred_port"),
                Requests.text(body, "instance_id"), Requests.text(body, "project_path"), Requests.pid(body, "pid"),
                Requests.bool(body, "stable"), Requests.bool(body, "dry_run"), V1Routes.protocol(body),
                Requests.userAgent(req), Requests.remoteIp(req));
        Allocation result;
        try {
            result = engine.allocate(request);
        } catch (EngineException e) {
            metrics.increment("styxy_allocation_errors_total", "code", e.reason().name());
            throw e;
        }
        switch (result) {
            case Allocation.Granted g -> {
                Map<String, Object> out = Json.obj("success", true, "port", g.port(), "lock_id", g.lease().lockId(),
                        "message", "Port " + g.port() + " allocated for " + g.lease().serviceType() + " service "
                                + g.lease().serviceName());
                if (g.autoRange() != null) {
                    out.put("auto_allocated", true);
                    out.put("allocated_range", List.of(g.autoRange().range().start(), g.autoRange().range().end()));
                    out.put("chunk_size", g.autoRange().chunkSize());
                    out.put("placement", g.autoRange().placement().name().toLowerCase(Locale.ROOT));
                }
                Json.ok(res, out);
            }
            case Allocation.SingletonHeld h -> {
                Lease l = h.existing();
                // The original's singleton answer (camelCase lockId, no success) plus success and lock_id, so
                // `allocate --json` clients see a success.
                Json.ok(res, Json.obj(
                        "success", true,
                        "port", l.port(),
                        "lockId", l.lockId(),
                        "lock_id", l.lockId(),
                        "message", "Service type " + l.serviceType() + " is a singleton; using the existing"
                                + " instance on port " + l.port(),
                        "existing", true,
                        "existingInstanceId", l.instanceId(),
                        "existingPid", l.owner() == null ? null : l.owner().pid(),
                        "allocatedAt", l.createdAt().toEpochMilli()));
            }
            case Allocation.DryRun d -> Json.ok(res, Json.obj(
                    "success", true, "port", d.port(), "dry_run", true,
                    "message", "Port " + d.port() + " would be allocated", "service_type", d.serviceType(),
                    "service_name", d.serviceName()));
        }
    }

    private void release(ServerRequest req, ServerResponse res) {
        Lease lease = engine.release(Requests.lockId(req, "lockId"));
        Json.ok(res, Json.obj("success", true, "port", lease.port(), "lock_id", lease.lockId(),
                "message", "Port " + lease.port() + " released"));
    }

    private void check(ServerRequest req, ServerResponse res) {
        int port = Requests.pathPort(req, "port");
        PortStatus s = engine.check(port);
        Json.ok(res, Json.obj(
                "port", port,
                "available", s.available(),
                "allocated_to", s.lease() == null ? null : Shapes.legacyRecord(s.lease()),
                "system_usage", Shapes.systemUsage(s.listeners()),
                "quarantined", s.quarantined(),
                "held", s.held(),
                "bindable", s.bindable()));
    }

    private void allocations(ServerRequest req, ServerResponse res) {
        Json.ok(res, Json.obj("allocations", Shapes.legacyRecords(engine.leases())));
    }

    private void config(ServerRequest req, ServerResponse res) {
        Map<String, Object> types = new LinkedHashMap<>();
        for (CatalogEntry e : engine.catalog().entries()) {
            List<Integer> range = List.of(e.type().range().start(), e.type().range().end());
            types.put(e.type().name(), Json.obj(
                    "range", range,
                    "port_range", range,
                    "preferred_ports", e.type().preferredPorts(),
                    "instance_behavior", e.type().instanceBehavior().configName(),
                    "description", e.type().description(),
                    "examples", e.type().examples(),
                    "source", e.source()));
        }
        Json.ok(res, Json.obj("service_types", types,
                "compliance", Json.obj("source", "CORE Documentation Standard", "version", "2.0")));
    }

    // ------------------------------------------------------------------ instances

    private void instanceList(ServerRequest req, ServerResponse res) {
        List<Object> out = new ArrayList<>();
        for (Instance i : engine.instances()) {
            out.add(Json.obj(
                    "instance_id", i.instanceId(),
                    "working_directory", i.workingDirectory(),
                    "registered_at", i.registeredAt().toString(),
                    "last_heartbeat", i.lastHeartbeat().toString(),
                    "active_allocations", Shapes.legacyRecords(engine.leasesOfInstance(i.instanceId())),
                    "metadata", i.metadata()));
        }
        Json.ok(res, Json.obj("instances", out));
    }

    private void instanceRegister(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        String id = Requests.text(body, "instance_id");
        if (id == null || id.isEmpty()) {
            throw ApiException.invalid("instance_id is required");
        }
        Instance i = engine.registerInstance(id, Requests.text(body, "working_directory"),
                Requests.metadata(body, "metadata"));
        Json.ok(res, Json.obj("success", true, "instance_id", i.instanceId(),
                "message", "Instance " + i.instanceId() + " registered; send a heartbeat every "
                        + engine.settings().heartbeatInterval().toSeconds() + " s"));
    }

    private void instanceHeartbeat(ServerRequest req, ServerResponse res) {
        String id = Requests.pathParam(req, "instanceId");
        if (!INSTANCE_ID.matcher(id).matches()) {
            throw ApiException.invalid("instance_id must be 1-100 letters, digits, dots, colons, dashes or"
                    + " underscores");
        }
        Instance i;
        try {
            i = engine.heartbeat(id);
        } catch (EngineException e) {
            if (e.reason() == EngineException.Reason.NOT_FOUND) {
                throw ApiException.notFound("NOT_FOUND", "Instance not found");
            }
            throw e;
        }
        Json.ok(res, Json.obj("success", true, "instance_id", i.instanceId(),
                "last_heartbeat", i.lastHeartbeat().toString()));
    }

    private void cleanup(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        List<Lease> released = engine.cleanup(Requests.bool(body, "force"));
        Json.ok(res, Json.obj("success", true, "cleaned", released.size(),
                "message", "Cleaned up " + released.size() + " allocation" + (released.size() == 1 ? "" : "s")));
    }

    // ------------------------------------------------------------------ observation

    private void scan(ServerRequest req, ServerResponse res) {
        Integer start = Requests.queryInt(req, "start", 1, 65_535);
        Integer end = Requests.queryInt(req, "end", 1, 65_535);
        int s = start == null ? 3000 : start;
        int e = end == null ? 9999 : end;
        if (s > e) {
            throw ApiException.invalid("start (" + s + ") must not be greater than end (" + e + ")");
        }
        if (e - s + 1 > MAX_SCAN_SPAN) {
            throw ApiException.invalid("a scan covers at most " + MAX_SCAN_SPAN + " ports; " + s + "-" + e
                    + " has " + (e - s + 1));
        }
        Map<Integer, List<Listener>> listeners = new TreeMap<>();
        for (ObservationSource.ObservedListener l : ctx.observation().listeners()) {
            int port = l.listener().port();
            if (port >= s && port <= e) {
                listeners.computeIfAbsent(port, p -> new ArrayList<>()).add(l.listener());
            }
        }
        Map<Integer, Lease> leases = new TreeMap<>();
        for (Lease l : engine.leases()) {
            if (l.port() >= s && l.port() <= e) {
                leases.put(l.port(), l);
            }
        }
        java.util.TreeSet<Integer> ports = new java.util.TreeSet<>(listeners.keySet());
        ports.addAll(leases.keySet());
        List<Object> inUse = new ArrayList<>();
        for (int port : ports) {
            Lease lease = leases.get(port);
            inUse.add(Json.obj("port", port,
                    "allocated_to", lease == null ? null : Shapes.legacyRecord(lease),
                    "system_usage", Shapes.systemUsage(listeners.getOrDefault(port, List.of()))));
        }
        Json.ok(res, Json.obj("scan_range", s + "-" + e, "ports_in_use", inUse,
                "source", "observer " + ctx.observation().observer() + " and the lease ledger"));
    }

    private void health(ServerRequest req, ServerResponse res) {
        Map<String, Object> health = reports.health();
        Json.send(res, "degraded".equals(health.get("status")) ? Status.SERVICE_UNAVAILABLE_503 : Status.OK_200,
                health);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        String format = Requests.query(req, "format").orElse("json");
        switch (format) {
            case "json" -> {
                Map<String, Object> out = metrics.json();
                Runtime rt = Runtime.getRuntime();
                out.put("system", Json.obj("uptime_seconds", reports.uptimeSeconds(), "rss", Reports.rss(),
                        "heap_used", rt.totalMemory() - rt.freeMemory(), "heap_max", rt.maxMemory(),
                        "pid", ProcessHandle.current().pid()));
                Json.ok(res, out);
            }
            case "prometheus" -> {
                res.header(HeaderValues.create("Content-Type", "text/plain; version=0.0.4; charset=utf-8"));
                res.send(metrics.prometheus().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            default -> throw ApiException.invalid("format must be json or prometheus");
        }
    }

    private void audit(ServerRequest req, ServerResponse res) {
        Integer limit = Requests.queryInt(req, "limit", 1, 200);
        Json.ok(res, Json.obj(
                "enabled", true,
                "log_location", ctx.audit().file().toString(),
                "retention_days", null,
                "rotation", Json.obj("max_bytes", 10L * 1024 * 1024, "kept_files", 5),
                "recent_events", ctx.audit().recent(limit == null ? 100 : limit)));
    }

    /** The original wrapped its port scanner in a circuit breaker; the equivalent here is the observer's health. */
    private void circuitBreakers(ServerRequest req, ServerResponse res) {
        Map<String, Object> r = ctx.observation().report();
        long scans = number(r.get("scans"));
        long failures = number(r.get("failures"));
        boolean healthy = reports.observerHealthy(r);
        Json.ok(res, Json.obj("circuit_breakers", Json.obj("port_scanner", Json.obj(
                "name", ctx.observation().observer(),
                "state", healthy ? "CLOSED" : "OPEN",
                "failureCount", failures,
                "successCount", scans - failures,
                "totalAttempts", scans,
                "failureRate", scans == 0 ? 0.0 : (double) failures / scans,
                "lastFailureTime", r.get("last_failure_at"),
                "timeouts", number(r.get("timeouts")),
                "note", "there is no breaker to trip: the observer reads the kernel's tables in process; this"
                        + " reports its health"))));
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private void observePort(ServerRequest req, ServerResponse res) {
        int port;
        try {
            port = Requests.pathPort(req, "port");
        } catch (ApiException e) {
            throw ApiException.badRequest("INVALID_PORT", "Invalid port number");
        }
        long t0 = System.nanoTime();
        Optional<ObservationSource.ObservedListener> found = ctx.observation().listeners().stream()
                .filter(l -> l.listener().port() == port).findFirst();
        if (found.isEmpty()) {
            Json.ok(res, Json.obj("port", port, "bound", false, "message", "Port " + port + " is not bound"));
            return;
        }
        Map<String, Object> observation = observation(found.get());
        observation.put("duration_ms", (System.nanoTime() - t0) / 1e6);
        Json.ok(res, Json.obj("port", port, "bound", true, "observation", observation));
    }

    private void observeAll(ServerRequest req, ServerResponse res) {
        List<ObservationSource.ObservedListener> listeners = ctx.observation().listeners();
        List<Object> observations = new ArrayList<>();
        for (ObservationSource.ObservedListener l : listeners) {
            Map<String, Object> o = observation(l);
            o.put("port", l.listener().port());
            observations.add(o);
        }
        Json.ok(res, Json.obj("total", observations.size(), "observations", observations,
                "stats", reports.observationStats(listeners)));
    }

    private Map<String, Object> observation(ObservationSource.ObservedListener o) {
        Listener l = o.listener();
        String instance = engine.leaseOnPort(l.port())
                .filter(lease -> lease.owner() != null && lease.owner().pid() == l.pid())
                .map(Lease::instanceId).orElse("unknown");
        return Json.obj(
                "pid", l.hasKnownOwner() ? l.pid() : null,
                "process", l.processName(),
                "command", l.commandLine(),
                "cwd", l.cwd(),
                "service_type", o.serviceType() == null ? "unknown" : o.serviceType(),
                "instance_id", instance,
                "protocol", l.protocol().wireName(),
                "address", l.address(),
                "timestamp", Instant.now().toString());
    }

    private void suggest(ServerRequest req, ServerResponse res) {
        String type = Requests.pathParam(req, "serviceType");
        Integer count = Requests.queryInt(req, "count", 1, 100);
        if (engine.catalog().find(type).isEmpty()) {
            throw ApiException.notFound("UNKNOWN_SERVICE_TYPE", "unknown service type \""
                    + Requests.truncate(type, 60) + "\"");
        }
        List<Integer> ports = engine.suggest(type, count == null ? 5 : count);
        String range = engine.catalog().find(type).map(t -> t.range().toString()).orElse("");
        Json.ok(res, Json.obj("service_type", type, "suggestions", ports, "count", ports.size(),
                "held_for_seconds", engine.settings().suggestionHold().toSeconds(),
                "message", ports.isEmpty() ? "No available ports found in " + type + " range " + range
                        : "Found " + ports.size() + " available port" + (ports.size() == 1 ? "" : "s") + " for "
                        + type + ", held for you for " + engine.settings().suggestionHold().toSeconds() + " s"));
    }

    /**
     * The interposer's old call. With {@code port} and {@code pid} it records a real lease for that process (the
     * original kept only a note in memory, so reassigned ports were never leased).
     */
    private void registerInstance(ServerRequest req, ServerResponse res) {
        engine.requireWritable(); // even without a port: a registration is a change, and none is taken now
        Map<String, Object> body = Requests.object(req);
        String id = Requests.text(body, "instance_id");
        Long pid = Requests.pid(body, "pid");
        if ((id == null || id.isEmpty()) && pid == null) {
            throw ApiException.invalid("instance_id is required (or provide pid for auto-generation)");
        }
        if (id == null || id.isEmpty()) {
            id = "ldpreload-" + pid;
        }
        if (!INSTANCE_ID.matcher(id).matches()) {
            throw ApiException.invalid("instance_id must be 1-100 letters, digits, dots, colons, dashes or"
                    + " underscores");
        }
        Integer port = Requests.port(body, "port");
        String projectPath = Requests.text(body, "project_path");
        Map<String, Object> metadata = Requests.metadata(body, "metadata");
        Map<String, Object> out = Json.obj("success", true, "instance_id", id);
        if (port != null) {
            if (pid == null) {
                throw ApiException.invalid("a lease for port " + port + " needs the pid that holds it");
            }
            Lease lease = engine.adopt(port, pid, Requests.text(body, "service_type"),
                    Requests.text(body, "service_name"), projectPath, id);
            out.put("lock_id", lease.lockId());
            out.put("port", lease.port());
            out.put("service_type", lease.serviceType());
            out.put("message", "Instance " + id + " registered; port " + port + " is leased to pid " + pid
                    + " until it exits");
        } else {
            out.put("message", "Instance " + id + " registered");
        }
        synchronized (preloadInstances) {
            preloadInstances.put(id, Json.obj("instance_id", id, "pid", pid, "project_path", projectPath,
                    "metadata", metadata, "registered_at", Instant.now().toString()));
        }
        Json.ok(res, out);
    }

    int preloadRegistrations() {
        synchronized (preloadInstances) {
            return preloadInstances.size();
        }
    }

    private void observationStats(ServerRequest req, ServerResponse res) {
        Map<String, Object> stats = reports.observationStats(ctx.observation().listeners());
        stats.put("active_instances", ((Integer) stats.get("active_instances")) + preloadRegistrations());
        Json.ok(res, Json.obj("stats", stats, "timestamp", Instant.now().toString()));
    }
}
