package io.styxy.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.styxy.api.Listener;
import io.styxy.server.engine.Allocation;
import io.styxy.server.engine.AllocationRequest;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.EngineException;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.PortStatus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The daemon's HTTP routes. {@link #routing} is static so tests run the same routes in memory and over a socket. */
public final class HttpApi {

    private static final int MAX_BODY = 10 * 1024;

    private final ApiContext ctx;

    private HttpApi(ApiContext ctx) {
        this.ctx = ctx;
    }

    public static void routing(HttpRouting.Builder routing, ApiContext ctx) {
        HttpApi api = new HttpApi(ctx);
        routing.addFilter(api::guard)
                .get("/status", api::status)
                .post("/allocate", api::allocate)
                .delete("/allocate/{lockId}", api::release)
                .get("/check/{port}", api::check)
                .get("/allocations", api::allocations)
                .get("/config", api::config)
                .any(api::notFound);
    }

    // ------------------------------------------------------------------ security

    private void guard(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<String> host = req.headers().first(HeaderNames.HOST);
        if (host.isEmpty() || !isLoopbackHost(host.get(), ctx.httpPort().getAsInt())) {
            error(res, Status.FORBIDDEN_403, "FORBIDDEN_HOST", "Host header must name a loopback address with port "
                    + ctx.httpPort().getAsInt());
            return;
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent() && !isSameOrigin(origin.get(), ctx.httpPort().getAsInt())) {
            error(res, Status.FORBIDDEN_403, "FORBIDDEN_ORIGIN", "cross-site requests are refused");
            return;
        }
        boolean open = req.prologue().method().text().equals("GET") && req.path().path().equals("/status");
        if (!open && !authorized(req)) {
            boolean presented = req.headers().contains(HeaderNames.AUTHORIZATION)
                    || req.headers().contains(HeaderNames.create("X-API-Key"));
            error(res, Status.UNAUTHORIZED_401, "UNAUTHORIZED", presented ? "Invalid API key"
                    : "Authentication required. Provide API key via Authorization: Bearer <token> or X-API-Key"
                    + " header (the token is in $STYXY_HOME/auth.token)");
            return;
        }
        long length = req.headers().contentLength().orElse(0);
        if (length > MAX_BODY) {
            error(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "PAYLOAD_TOO_LARGE", "request body is over 10 KB");
            return;
        }
        chain.proceed();
    }

    private boolean authorized(ServerRequest req) {
        String presented = req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).trim())
                .or(() -> req.headers().first(HeaderNames.create("X-API-Key")).map(String::trim))
                .orElse("");
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                ctx.token().getBytes(StandardCharsets.UTF_8));
    }

    static boolean isLoopbackHost(String host, int port) {
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        for (String name : new String[]{"127.0.0.1", "localhost", "[::1]"}) {
            if (h.equals(name + ":" + port)) {
                return true;
            }
        }
        return false;
    }

    static boolean isSameOrigin(String origin, int port) {
        String o = origin.trim().toLowerCase(java.util.Locale.ROOT);
        return o.equals("http://127.0.0.1:" + port) || o.equals("http://localhost:" + port)
                || o.equals("http://[::1]:" + port);
    }

    // ------------------------------------------------------------------ legacy routes

    private void status(ServerRequest req, ServerResponse res) {
        Runtime rt = Runtime.getRuntime();
        Json.send(res, Status.OK_200, Json.obj(
                "status", "running",
                "uptime", Duration.between(ctx.startedAt(), Instant.now()).toMillis() / 1000.0,
                "allocations", ctx.engine().leaseCount(),
                "instances", ctx.engine().instances().size(),
                "version", ctx.version(),
                "pid", ProcessHandle.current().pid(),
                "memory", Json.obj("heapUsed", rt.totalMemory() - rt.freeMemory(), "heapTotal", rt.totalMemory())));
    }

    private void allocate(ServerRequest req, ServerResponse res) {
        JsonNode body = body(req, res);
        if (body == null) {
            return;
        }
        try {
            AllocationRequest request = new AllocationRequest(text(body, "service_type"), text(body, "service_name"),
                    port(body, "preferred_port"), text(body, "instance_id"), text(body, "project_path"),
                    pid(body), body.path("stable").asBoolean(false), body.path("dry_run").asBoolean(false), null,
                    req.headers().first(HeaderNames.USER_AGENT).orElse(""),
                    req.remotePeer().host());
            Allocation result = ctx.engine().allocate(request);
            switch (result) {
                case Allocation.Granted g -> {
                    Map<String, Object> out = Json.obj("success", true, "port", g.port(), "lock_id",
                            g.lease().lockId(), "message", "Port " + g.port() + " allocated for "
                                    + g.lease().serviceType() + " service " + g.lease().serviceName());
                    if (g.autoRange() != null) {
                        out.put("auto_allocated", true);
                        out.put("allocated_range", List.of(g.autoRange().range().start(), g.autoRange().range().end()));
                        out.put("chunk_size", g.autoRange().chunkSize());
                        out.put("placement", g.autoRange().placement().name().toLowerCase(java.util.Locale.ROOT));
                    }
                    Json.send(res, Status.OK_200, out);
                }
                case Allocation.SingletonHeld h -> Json.send(res, Status.OK_200, Json.obj(
                        "success", true, "port", h.port(), "lockId", h.existing().lockId(),
                        "lock_id", h.existing().lockId(),
                        "message", "Service type " + h.existing().serviceType() + " is a singleton; using existing"
                                + " instance on port " + h.port(),
                        "existing", true, "existingInstanceId", h.existing().instanceId(),
                        "existingPid", h.existing().owner() == null ? null : h.existing().owner().pid(),
                        "allocatedAt", h.existing().createdAt().toEpochMilli()));
                case Allocation.DryRun d -> Json.send(res, Status.OK_200, Json.obj(
                        "success", true, "port", d.port(), "dry_run", true,
                        "message", "Port " + d.port() + " would be allocated", "service_type", d.serviceType(),
                        "service_name", d.serviceName()));
            }
        } catch (BadInput e) {
            error(res, Status.BAD_REQUEST_400, "INVALID_REQUEST", e.getMessage());
        } catch (EngineException e) {
            engineError(res, e);
        }
    }

    private void release(ServerRequest req, ServerResponse res) {
        String lockId = req.path().pathParameters().get("lockId");
        if (!lockId.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}")) {
            error(res, Status.BAD_REQUEST_400, "INVALID_REQUEST", "lock_id must be a valid UUID v4");
            return;
        }
        try {
            Lease lease = ctx.engine().release(lockId.toLowerCase(java.util.Locale.ROOT));
            Json.send(res, Status.OK_200, Json.obj("success", true, "port", lease.port(),
                    "message", "Port " + lease.port() + " released"));
        } catch (EngineException e) {
            engineError(res, e);
        }
    }

    private void check(ServerRequest req, ServerResponse res) {
        Integer port = pathPort(req, res);
        if (port == null) {
            return;
        }
        PortStatus s = ctx.engine().check(port);
        Json.send(res, Status.OK_200, Json.obj(
                "port", port, "available", s.available(),
                "allocated_to", s.lease() == null ? null : legacyRecord(s.lease()),
                "system_usage", s.listeners().isEmpty() ? null : systemUsage(s.listeners())));
    }

    private void allocations(ServerRequest req, ServerResponse res) {
        List<Object> records = new ArrayList<>();
        for (Lease lease : ctx.engine().leases()) {
            records.add(legacyRecord(lease));
        }
        Json.send(res, Status.OK_200, Json.obj("allocations", records));
    }

    private void config(ServerRequest req, ServerResponse res) {
        Map<String, Object> types = new LinkedHashMap<>();
        for (CatalogEntry e : ctx.engine().catalog().entries()) {
            types.put(e.type().name(), Json.obj(
                    "range", List.of(e.type().range().start(), e.type().range().end()),
                    "port_range", List.of(e.type().range().start(), e.type().range().end()),
                    "preferred_ports", e.type().preferredPorts(),
                    "instance_behavior", e.type().instanceBehavior().configName(),
                    "description", e.type().description(),
                    "examples", e.type().examples(),
                    "source", e.source()));
        }
        Json.send(res, Status.OK_200, Json.obj("service_types", types,
                "compliance", Json.obj("source", "CORE Documentation Standard", "version", "2.0")));
    }

    private void notFound(ServerRequest req, ServerResponse res) {
        error(res, Status.NOT_FOUND_404, "NOT_FOUND", "no route " + req.prologue().method().text() + " "
                + req.path().path());
    }

    // ------------------------------------------------------------------ shapes

    /** The original's allocation record: snake_case and camelCase copies, plus lock_id (missing in the original). */
    static Map<String, Object> legacyRecord(Lease l) {
        return Json.obj(
                "port", l.port(),
                "lockId", l.lockId(), "lock_id", l.lockId(),
                "service_type", l.serviceType(), "serviceType", l.serviceType(),
                "service_name", l.serviceName(), "serviceName", l.serviceName(),
                "instance_id", l.instanceId(), "instanceId", l.instanceId(),
                "project_path", l.projectPath(), "projectPath", l.projectPath(),
                "process_id", l.owner() == null ? null : l.owner().pid(),
                "allocated_at", l.createdAt().toString(),
                "userAgent", l.userAgent(), "remoteIP", l.remoteIp());
    }

    static Map<String, Object> systemUsage(List<Listener> listeners) {
        Listener first = listeners.getFirst();
        List<Object> all = new ArrayList<>();
        for (Listener l : listeners) {
            all.add(Json.obj("protocol", l.protocol().wireName(), "family", "ipv" + l.family().version(),
                    "local_address", l.address() + ":" + l.port(), "pid", l.pid() > 0 ? l.pid() : null,
                    "process", l.processName(), "command", l.commandLine()));
        }
        return Json.obj("port", first.port(), "protocol", first.protocol().wireName(), "state", "LISTEN",
                "local_address", first.address() + ":" + first.port(),
                "process", Json.obj("name", first.processName(), "pid", first.pid() > 0 ? first.pid() : null,
                        "user", first.user()),
                "pid", first.pid() > 0 ? first.pid() : null, "command", first.commandLine(), "listeners", all);
    }

    // ------------------------------------------------------------------ input and errors

    /** Bad input found while reading the request. */
    static final class BadInput extends Exception {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }
    }

    private JsonNode body(ServerRequest req, ServerResponse res) {
        byte[] bytes;
        try {
            bytes = req.content().inputStream().readNBytes(MAX_BODY + 1);
        } catch (java.io.IOException | RuntimeException e) {
            error(res, Status.BAD_REQUEST_400, "INVALID_REQUEST", "request body could not be read");
            return null;
        }
        if (bytes.length > MAX_BODY) {
            error(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "PAYLOAD_TOO_LARGE", "request body is over 10 KB");
            return null;
        }
        if (bytes.length > 0 && !req.headers().contentType().map(ct -> ct.text().toLowerCase(java.util.Locale.ROOT)
                .startsWith("application/json")).orElse(true)) {
            error(res, Status.UNSUPPORTED_MEDIA_TYPE_415, "UNSUPPORTED_MEDIA_TYPE", "send the body as"
                    + " application/json");
            return null;
        }
        try {
            JsonNode node = Json.parse(bytes);
            if (!node.isObject()) {
                error(res, Status.BAD_REQUEST_400, "INVALID_JSON", "request body must be a JSON object");
                return null;
            }
            return node;
        } catch (JsonProcessingException e) {
            error(res, Status.BAD_REQUEST_400, "INVALID_JSON", "request body is not valid JSON: "
                    + e.getOriginalMessage());
            return null;
        } catch (java.io.IOException e) {
            error(res, Status.BAD_REQUEST_400, "INVALID_JSON", "request body could not be read as JSON");
            return null;
        }
    }

    private static String text(JsonNode body, String field) throws BadInput {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new BadInput(field + " must be a string");
        }
        return node.asText();
    }

    private static Integer port(JsonNode body, String field) throws BadInput {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isInt()) {
            return node.asInt();
        }
        if (node.isTextual() && node.asText().matches("\\d{1,5}")) {
            return Integer.parseInt(node.asText());
        }
        throw new BadInput(field + " must be a port number from 1024 to 65535");
    }

    private static Long pid(JsonNode body) throws BadInput {
        JsonNode node = body.get("pid");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToLong() || !node.isIntegralNumber()) {
            throw new BadInput("pid must be a process id");
        }
        return node.asLong();
    }

    private static Integer pathPort(ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("port");
        if (raw.matches("\\d{1,5}")) {
            int port = Integer.parseInt(raw);
            if (port >= 1 && port <= 65_535) {
                return port;
            }
        }
        error(res, Status.BAD_REQUEST_400, "INVALID_PORT", "port must be a number from 1 to 65535");
        return null;
    }

    private static void engineError(ServerResponse res, EngineException e) {
        Status status = switch (e.reason()) {
            case INVALID_REQUEST, UNKNOWN_SERVICE_TYPE, OWNER_NOT_RUNNING -> Status.BAD_REQUEST_400;
            case NOT_FOUND -> Status.NOT_FOUND_404;
            case EXHAUSTED, CONFLICT -> Status.CONFLICT_409;
            case STORE_UNAVAILABLE -> Status.SERVICE_UNAVAILABLE_503;
        };
        error(res, status, e.reason().name(), e.getMessage());
    }

    /** Legacy error shape ({@code success:false, error}) with the stable code beside it. */
    static void error(ServerResponse res, Status status, String code, String message) {
        Json.send(res, status, Json.obj("success", false, "error", message, "code", code,
                "status", status.code()));
    }
}
