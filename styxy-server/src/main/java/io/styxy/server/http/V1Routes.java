package io.styxy.server.http;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.server.config.ConfigException;
import io.styxy.server.config.UserConfig;
import io.styxy.server.engine.Allocation;
import io.styxy.server.engine.AllocationRequest;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineException;
import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.PortStatus;
import io.styxy.server.json.JsonValues;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The clean API: one naming style (snake_case), one error envelope. Documented in docs/api.md. */
final class V1Routes {

    private final ApiContext ctx;
    private final Engine engine;
    private final ApiMetrics metrics;
    private final Reports reports;
    private final EventStream events;

    V1Routes(ApiContext ctx, ApiMetrics metrics, Reports reports, EventStream events) {
        this.ctx = ctx;
        this.engine = ctx.engine();
        this.metrics = metrics;
        this.reports = reports;
        this.events = events;
    }

    void register(Routes r) {
        r.get("/v1/status", this::status)
                .post("/v1/leases", this::createLease)
                .get("/v1/leases", this::listLeases)
                .delete("/v1/leases", this::releaseLeases)
                .get("/v1/leases/{lockId}", this::getLease)
                .post("/v1/leases/{lockId}/renew", this::renewLease)
                .delete("/v1/leases/{lockId}", this::releaseLease)
                .post("/v1/groups", this::createGroup)
                .get("/v1/ports", this::ports)
                .get("/v1/ports/{port}", this::port)
                .get("/v1/listeners", this::listeners)
                .get("/v1/service-types", this::serviceTypes)
                .get("/v1/suggestions/{serviceType}", this::suggestions)
                .get("/v1/instances", this::listInstances)
                .post("/v1/instances", this::registerInstance)
                .put("/v1/instances/{instanceId}/heartbeat", this::heartbeat)
                .get("/v1/reassignments", this::reassignments)
                .get("/v1/events", events::handle)
                .post("/v1/cleanup", this::cleanup)
                .get("/v1/doctor", this::doctor)
                .get("/v1/plugins", (req, res) -> Json.send(res, Status.OK_200,
                        ctx.plugins().get()))
                .get("/v1/config", this::config)
                .post("/v1/config/validate", this::validateConfig);
    }

    private void status(ServerRequest req, ServerResponse res) {
        String readOnly = reports.readOnly();
        Json.ok(res, Json.obj(
                "status", readOnly != null ? "read_only" : reports.storeFailing() ? "degraded" : "running",
                "read_only", readOnly != null,
                "read_only_reason", readOnly,
                "version", ctx.version(),
                "pid", ProcessHandle.current().pid(),
                "uptime_seconds", reports.uptimeSeconds(),
                "leases", engine.leaseCount(),
                "instances", engine.instances().size(),
                "observer", ctx.observation().observer(),
                "http_port", ctx.httpPort().getAsInt(),
                "socket", ctx.socket() == null ? null : ctx.socket().toString(),
                "started_at", ctx.startedAt().toString()));
    }

    // ------------------------------------------------------------------ leases

    static Protocol protocol(Map<String, Object> body) {
        String p = Requests.text(body, "protocol");
        if (p == null) {
            return null;
        }
        try {
            return Protocol.fromWireName(p);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("protocol must be tcp or udp");
        }
    }

    private AllocationRequest request(ServerRequest req, Map<String, Object> body, Long pid, String projectPath,
                                      String instanceId) {
        String type = Requests.text(body, "service_type");
        if (type == null || type.isEmpty()) {
            throw ApiException.invalid("service_type is required");
        }
        String name = Requests.text(body, "service_name");
        Long ownPid = Requests.pid(body, "pid");
        String ownProject = Requests.text(body, "project_path");
        String ownInstance = Requests.text(body, "instance_id");
        return new AllocationRequest(type, name, Requests.port(body, "preferred_port"),
                ownInstance != null ? ownInstance : instanceId, ownProject != null ? ownProject : projectPath,
                ownPid != null ? ownPid : pid, Requests.bool(body, "stable"), Requests.bool(body, "dry_run"),
                protocol(body), Requests.userAgent(req), Requests.remoteIp(req));
    }

    private void createLease(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        AllocationRequest request = request(req, body, null, null, null);
        Allocation result;
        try {
            result = engine.allocate(request);
        } catch (EngineException e) {
            metrics.increment("styxy_allocation_errors_total", "code", e.reason().name());
            throw e;
        }
        switch (result) {
            case Allocation.Granted g -> {
                Map<String, Object> out = Json.obj("lease", Shapes.lease(g.lease()));
                if (g.autoRange() != null) {
                    out.put("auto_range", Json.obj("start", g.autoRange().range().start(),
                            "end", g.autoRange().range().end(), "chunk_size", g.autoRange().chunkSize(),
                            "placement", g.autoRange().placement().name().toLowerCase(Locale.ROOT)));
                }
                Json.send(res, Status.CREATED_201, out);
            }
            case Allocation.SingletonHeld h -> Json.ok(res, Json.obj("lease", Shapes.lease(h.existing()),
                    "existing", true));
            case Allocation.DryRun d -> Json.ok(res, Json.obj("dry_run", true, "port", d.port(),
                    "service_type", d.serviceType(), "service_name", d.serviceName()));
        }
    }

    private void listLeases(ServerRequest req, ServerResponse res) {
        Optional<String> type = Requests.query(req, "service_type");
        Optional<String> instance = Requests.query(req, "instance_id");
        Integer pid = Requests.queryInt(req, "pid", 1, 4_194_304);
        Predicate<Lease> filter = l -> type.map(t -> t.equals(l.serviceType())).orElse(true)
                && instance.map(i -> i.equals(l.instanceId())).orElse(true)
                && (pid == null || (l.owner() != null && l.owner().pid() == pid));
        Json.ok(res, Json.obj("leases", Shapes.leases(engine.leases().stream().filter(filter).toList())));
    }

    private void getLease(ServerRequest req, ServerResponse res) {
        String lockId = Requests.lockId(req, "lockId");
        Lease lease = engine.lease(lockId).orElseThrow(() -> ApiException.notFound("NOT_FOUND",
                "lock id " + lockId + " is not a live lease"));
        Json.ok(res, Json.obj("lease", Shapes.lease(lease)));
    }

    private void renewLease(ServerRequest req, ServerResponse res) {
        Json.ok(res, Json.obj("lease", Shapes.lease(engine.renew(Requests.lockId(req, "lockId")))));
    }

    private void releaseLease(ServerRequest req, ServerResponse res) {
        Lease lease = engine.release(Requests.lockId(req, "lockId"));
        Json.ok(res, Json.obj("released", List.of(Shapes.lease(lease))));
    }

    /** {@code DELETE /v1/leases?port=P | ?pid=P | ?instance_id=I}: exactly one selector. */
    private void releaseLeases(ServerRequest req, ServerResponse res) {
        Integer port = Requests.queryInt(req, "port", 1, 65_535);
        Integer pid = Requests.queryInt(req, "pid", 1, 4_194_304);
        Optional<String> instance = Requests.query(req, "instance_id");
        int selectors = (port == null ? 0 : 1) + (pid == null ? 0 : 1) + (instance.isEmpty() ? 0 : 1);
        if (selectors != 1) {
            throw ApiException.invalid("name exactly one of port, pid or instance_id");
        }
        List<Lease> released;
        if (port != null) {
            Optional<Lease> lease = engine.leaseOnPort(port);
            released = new ArrayList<>();
            if (lease.isPresent()) {
                try {
                    released.add(engine.release(lease.get().lockId()));
                } catch (EngineException e) {
                    if (e.reason() != EngineException.Reason.NOT_FOUND) {
                        throw e;
                    }
                }
            }
        } else if (pid != null) {
            released = engine.releaseOwner(pid);
        } else {
            released = engine.releaseInstance(instance.get());
        }
        Json.ok(res, Json.obj("released", Shapes.leases(released)));
    }

    private void createGroup(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        Long pid = Requests.pid(body, "pid");
        String project = Requests.text(body, "project_path");
        String instance = Requests.text(body, "instance_id");
        List<Object> items = Requests.array(body, "leases");
        List<AllocationRequest> requests = new ArrayList<>();
        for (Object raw : items) {
            Map<String, Object> item = JsonValues.asObject(raw);
            if (item == null) {
                throw ApiException.invalid("every item of leases must be an object");
            }
            if (item.containsKey("dry_run")) {
                throw ApiException.invalid("dry_run is not allowed inside a group");
            }
            requests.add(request(req, item, pid, project, instance));
        }
        List<Allocation> done;
        try {
            done = engine.allocateGroup(requests);
        } catch (EngineException e) {
            metrics.increment("styxy_allocation_errors_total", "code", e.reason().name());
            throw e;
        }
        List<Object> leases = new ArrayList<>();
        for (Allocation a : done) {
            switch (a) {
                case Allocation.Granted g -> leases.add(Shapes.lease(g.lease()));
                case Allocation.SingletonHeld h -> {
                    Map<String, Object> lease = Shapes.lease(h.existing());
                    lease.put("existing", true);
                    leases.add(lease);
                }
                case Allocation.DryRun d -> throw new IllegalStateException("dry run inside a group");
            }
        }
        Json.send(res, Status.CREATED_201, Json.obj("leases", leases));
    }

    // ------------------------------------------------------------------ ports and listeners

    private void port(ServerRequest req, ServerResponse res) {
        int port = Requests.pathPort(req, "port");
        PortStatus s = engine.check(port);
        List<Object> listeners = new ArrayList<>();
        for (Listener l : s.listeners()) {
            listeners.add(Shapes.listener(l, typeOf(l)));
        }
        Json.ok(res, Json.obj(
                "port", port,
                "available", s.available(),
                "lease", s.lease() == null ? null : Shapes.lease(s.lease()),
                "listeners", listeners,
                "quarantined", s.quarantined(),
                "held", s.held(),
                "bindable", s.bindable()));
    }

    private String typeOf(Listener l) {
        return io.styxy.server.engine.ServiceTypeInference.infer(l.commandLine())
                .or(() -> engine.catalog().typeOfPort(l.port()).map(t -> t.name())).orElse(null);
    }

    /** Ports in use (leased or listened on) in a range: from the ledger and the observer's snapshot, no probes. */
    private void ports(ServerRequest req, ServerResponse res) {
        Integer start = Requests.queryInt(req, "start", 1, 65_535);
        Integer end = Requests.queryInt(req, "end", 1, 65_535);
        int s = start == null ? 1 : start;
        int e = end == null ? 65_535 : end;
        if (s > e) {
            throw ApiException.invalid("start (" + s + ") must not be greater than end (" + e + ")");
        }
        Map<Integer, List<Object>> listeners = new TreeMap<>();
        for (ObservationSource.ObservedListener l : ctx.observation().listeners()) {
            int port = l.listener().port();
            if (port >= s && port <= e) {
                listeners.computeIfAbsent(port, p -> new ArrayList<>()).add(Shapes.listener(l.listener(),
                        l.serviceType()));
            }
        }
        Map<Integer, Lease> leases = new TreeMap<>();
        engine.leases().stream().filter(l -> l.port() >= s && l.port() <= e).forEach(l -> leases.put(l.port(), l));
        java.util.TreeSet<Integer> used = new java.util.TreeSet<>(listeners.keySet());
        used.addAll(leases.keySet());
        List<Object> ports = new ArrayList<>();
        for (int port : used) {
            Lease lease = leases.get(port);
            ports.add(Json.obj("port", port, "lease", lease == null ? null : Shapes.lease(lease),
                    "listeners", listeners.getOrDefault(port, List.of())));
        }
        Json.ok(res, Json.obj("start", s, "end", e, "ports", ports));
    }

    private void listeners(ServerRequest req, ServerResponse res) {
        List<Object> out = new ArrayList<>();
        for (ObservationSource.ObservedListener l : ctx.observation().listeners()) {
            out.add(Shapes.listener(l.listener(), l.serviceType()));
        }
        Json.ok(res, Json.obj("observer", ctx.observation().observer(), "listeners", out));
    }

    private void serviceTypes(ServerRequest req, ServerResponse res) {
        List<Object> out = new ArrayList<>();
        for (CatalogEntry e : engine.catalog().entries()) {
            out.add(Shapes.serviceType(e));
        }
        Json.ok(res, Json.obj("service_types", out));
    }

    private void suggestions(ServerRequest req, ServerResponse res) {
        String type = Requests.pathParam(req, "serviceType");
        Integer count = Requests.queryInt(req, "count", 1, 100);
        if (engine.catalog().find(type).isEmpty()) {
            throw ApiException.notFound("UNKNOWN_SERVICE_TYPE", "unknown service type \""
                    + Requests.truncate(type, 60) + "\"; GET /v1/service-types lists them");
        }
        List<Integer> ports = engine.suggest(type, count == null ? 5 : count);
        Json.ok(res, Json.obj("service_type", type, "ports", ports,
                "held_for_seconds", engine.settings().suggestionHold().toSeconds()));
    }

    // ------------------------------------------------------------------ instances

    private void listInstances(ServerRequest req, ServerResponse res) {
        List<Object> out = new ArrayList<>();
        for (Instance i : engine.instances()) {
            out.add(Shapes.instance(i, engine.leasesOfInstance(i.instanceId())));
        }
        Json.ok(res, Json.obj("instances", out));
    }

    private void registerInstance(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        String id = Requests.text(body, "instance_id");
        if (id == null || id.isEmpty()) {
            throw ApiException.invalid("instance_id is required");
        }
        Instance i = engine.registerInstance(id, Requests.text(body, "working_directory"),
                Requests.metadata(body, "metadata"));
        Json.send(res, Status.CREATED_201, Json.obj("instance", Shapes.instance(i,
                engine.leasesOfInstance(i.instanceId())), "heartbeat_interval_seconds",
                engine.settings().heartbeatInterval().toSeconds()));
    }

    private void heartbeat(ServerRequest req, ServerResponse res) {
        Instance i = engine.heartbeat(Requests.pathParam(req, "instanceId"));
        Json.ok(res, Json.obj("instance", Shapes.instance(i, engine.leasesOfInstance(i.instanceId()))));
    }

    // ------------------------------------------------------------------ the rest

    private void reassignments(ServerRequest req, ServerResponse res) {
        Integer port = Requests.queryInt(req, "port", 1, 65_535);
        List<Object> out = new ArrayList<>();
        engine.reassignments(port).forEach(r -> out.add(Shapes.reassignment(r)));
        Json.ok(res, Json.obj("reassignments", out));
    }

    private void cleanup(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = Requests.object(req);
        Json.ok(res, Json.obj("released", Shapes.leases(engine.cleanup(Requests.bool(body, "force")))));
    }

    private void doctor(ServerRequest req, ServerResponse res) {
        Json.ok(res, reports.doctor());
    }

    private void config(ServerRequest req, ServerResponse res) {
        Json.ok(res, reports.config());
    }

    /** Checks a config.json document as the daemon would load it; changes nothing. */
    private void validateConfig(ServerRequest req, ServerResponse res) {
        byte[] raw = Requests.json(req, Requests.MAX_CONFIG_BODY);
        String text = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try {
            Path file = ctx.config().userConfig().file() == null ? Path.of("config.json")
                    : ctx.config().userConfig().file();
            UserConfig parsed = UserConfig.parse(file, text);
            List<CatalogEntry> merged = parsed.mergeOver(ctx.config().base());
            warnings.addAll(UserConfig.warnings(merged, ctx.config().ephemeral()));
        } catch (ConfigException e) {
            errors.add(e.getMessage());
        } catch (RuntimeException e) {
            errors.add("the document cannot be used: " + Requests.truncate(e.getMessage(), 200));
        }
        Json.ok(res, Json.obj("valid", errors.isEmpty(), "errors", errors, "warnings", warnings));
    }
}
