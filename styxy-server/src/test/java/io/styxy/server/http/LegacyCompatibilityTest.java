package io.styxy.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original's clients, replayed: each legacy route gets the request the original CLI, hooks or interposer sent
 * (reference/original-styxy.md §1.2, §2, §7, §10), and the answer must carry every field the original answered,
 * with the same JSON type. Over a real socket.
 */
@ServerTest
class LegacyCompatibilityTest {

    private static final ApiFixture FIXTURE = new ApiFixture();
    private final ApiClient api;

    LegacyCompatibilityTest(Http1Client client, WebServer server) {
        FIXTURE.port = server.port();
        this.api = new ApiClient(client, FIXTURE);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        FIXTURE.api.configure(server, false);
    }

    @BeforeEach
    void reset() {
        FIXTURE.reset();
    }

    /**
     * {@code spec}: field path (dots for nesting) → JSON type: string, number, int, bool, object, array, or
     * {@code object|null}, {@code string|null}, {@code int|null}.
     */
    private static void assertShape(JsonNode json, Map<String, String> spec) {
        spec.forEach((path, type) -> {
            JsonNode node = json;
            for (String part : path.split("\\.")) {
                node = part.matches("\\d+") ? node.path(Integer.parseInt(part)) : node.path(part);
            }
            assertThat(node.isMissingNode()).as("field " + path + " in " + json).isFalse();
            boolean ok = false;
            for (String t : type.split("\\|")) {
                ok |= switch (t) {
                    case "string" -> node.isTextual();
                    case "number" -> node.isNumber();
                    case "int" -> node.isIntegralNumber();
                    case "bool" -> node.isBoolean();
                    case "object" -> node.isObject();
                    case "array" -> node.isArray();
                    case "null" -> node.isNull();
                    default -> throw new IllegalArgumentException(t);
                };
            }
            assertThat(ok).as(path + " should be " + type + " but is " + node.getNodeType() + " in " + json)
                    .isTrue();
        });
    }

    private static final Map<String, String> RECORD = Map.ofEntries(
            Map.entry("port", "int"), Map.entry("lockId", "string"), Map.entry("service_type", "string"),
            Map.entry("serviceType", "string"), Map.entry("service_name", "string"),
            Map.entry("serviceName", "string"), Map.entry("instance_id", "string"),
            Map.entry("instanceId", "string"), Map.entry("project_path", "string"),
            Map.entry("projectPath", "string"), Map.entry("process_id", "int|null"),
            Map.entry("allocated_at", "string"), Map.entry("userAgent", "string"), Map.entry("remoteIP", "string"));

    private static Map<String, String> prefixed(String prefix, Map<String, String> spec) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        spec.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    @Test
    void allocateAsTheOriginalCliSendsIt() {
        // src/commands/allocate.js: service_type, service_name, preferred_port, instance_id, project_path
        JsonNode j = api.post("/allocate", "{\"service_type\":\"dev\",\"service_name\":\"react-dev\","
                + "\"preferred_port\":3000,\"instance_id\":\"cli\",\"project_path\":\"/home/u/app\"}").json();
        assertShape(j, Map.of("success", "bool", "port", "int", "lock_id", "string", "message", "string"));
        assertThat(j.path("success").asBoolean()).isTrue();
    }

    @Test
    void allocateOfAnUnknownTypeAnswersTheAutoAllocationFields() {
        JsonNode j = api.post("/allocate", "{\"service_type\":\"grafana-compat\",\"service_name\":\"dash\"}").json();
        assertShape(j, Map.of("success", "bool", "port", "int", "lock_id", "string", "message", "string",
                "auto_allocated", "bool", "allocated_range", "array", "allocated_range.0", "int",
                "allocated_range.1", "int", "chunk_size", "int", "placement", "string"));
    }

    @Test
    void allocateOfAHeldSingletonAnswersTheSingletonShape() {
        api.post("/allocate", "{\"service_type\":\"ai\",\"service_name\":\"ollama\",\"instance_id\":\"a\"}");
        JsonNode j = api.post("/allocate", "{\"service_type\":\"ai\",\"service_name\":\"ollama\","
                + "\"instance_id\":\"b\"}").json();
        assertShape(j, Map.of("port", "int", "lockId", "string", "message", "string", "existing", "bool",
                "existingInstanceId", "string", "existingPid", "int|null", "allocatedAt", "int",
                "success", "bool", "lock_id", "string"));
    }

    @Test
    void dryRunAsTheShadowHookSendsIt() {
        JsonNode j = api.post("/allocate", "{\"service_type\":\"api\",\"service_name\":\"fastapi-server\","
                + "\"preferred_port\":8000,\"dry_run\":true}").json();
        assertShape(j, Map.of("success", "bool", "port", "int", "dry_run", "bool", "message", "string",
                "service_type", "string", "service_name", "string"));
    }

    @Test
    void releaseAsTheCliSendsIt() {
        String lock = api.post("/allocate", "{\"service_type\":\"dev\"}").json().path("lock_id").asText();
        assertShape(api.delete("/allocate/" + lock).json(), Map.of("success", "bool", "port", "int",
                "message", "string"));
    }

    @Test
    void checkStatusAllocationsConfig() {
        api.post("/allocate", "{\"service_type\":\"dev\",\"service_name\":\"web\"}");
        FIXTURE.listen(AbstractApiTest.listener(3001, 99, "vite"));
        JsonNode check = api.get("/check/3000").json();
        assertShape(check, Map.of("port", "int", "available", "bool", "allocated_to", "object",
                "system_usage", "object|null"));
        assertShape(check, prefixed("allocated_to.", RECORD));
        assertShape(api.get("/check/3001").json(), Map.of("system_usage", "object", "system_usage.process",
                "object", "system_usage.process.pid", "int", "system_usage.process.name", "string",
                "system_usage.protocol", "string", "system_usage.local_address", "string"));

        JsonNode status = api.anonymous(Method.GET, "/status").json();
        assertShape(status, Map.of("status", "string", "uptime", "number", "allocations", "int",
                "instances", "int", "memory", "object"));

        JsonNode all = api.get("/allocations").json();
        assertShape(all, Map.of("allocations", "array"));
        assertShape(all, prefixed("allocations.0.", RECORD));

        JsonNode config = api.get("/config").json();
        assertShape(config, Map.of("service_types", "object", "service_types.dev", "object",
                "service_types.dev.port_range", "array", "service_types.dev.preferred_ports", "array",
                "service_types.dev.instance_behavior", "string", "compliance", "object", "compliance.source",
                "string", "compliance.version", "string"));
    }

    @Test
    void instancesAsTheSessionStartHookUsesThem() {
        // session-start.sh: POST /instance/register, then PUT /instance/<id>/heartbeat every 30 s
        String id = "claude-code-1733000000-4242";
        JsonNode reg = api.post("/instance/register", "{\"instance_id\":\"" + id + "\",\"working_directory\":"
                + "\"/home/u/project\",\"metadata\":{\"agent\":\"claude-code\",\"session_start\":\"2026-11-25\","
                + "\"pid\":4242,\"features\":[\"port-coordination\"]}}").json();
        assertShape(reg, Map.of("success", "bool", "instance_id", "string", "message", "string"));
        JsonNode beat = api.put("/instance/" + id + "/heartbeat").json();
        assertShape(beat, Map.of("success", "bool", "instance_id", "string", "last_heartbeat", "string"));
        JsonNode list = api.get("/instance/list").json();
        assertShape(list, Map.of("instances", "array", "instances.0.instance_id", "string",
                "instances.0.working_directory", "string", "instances.0.registered_at", "string",
                "instances.0.last_heartbeat", "string", "instances.0.active_allocations", "array",
                "instances.0.metadata", "object"));
    }

    @Test
    void cleanupScanHealthMetricsAudit() {
        api.post("/allocate", "{\"service_type\":\"dev\"}");
        assertShape(api.post("/cleanup", "{\"force\":false}").json(), Map.of("success", "bool", "cleaned", "int",
                "message", "string"));
        FIXTURE.listen(AbstractApiTest.listener(3050, 7, "node server.js"));
        JsonNode scan = api.get("/scan?start=3000&end=3099").json();
        assertShape(scan, Map.of("scan_range", "string", "ports_in_use", "array", "ports_in_use.0.port", "int",
                "ports_in_use.0.allocated_to", "object|null", "ports_in_use.0.system_usage", "object|null"));

        JsonNode health = api.get("/health").json();
        assertShape(health, Map.ofEntries(Map.entry("status", "string"), Map.entry("timestamp", "string"),
                Map.entry("uptime", "number"), Map.entry("version", "string"), Map.entry("system", "object"),
                Map.entry("system.memory", "object"), Map.entry("system.cpu", "object"),
                Map.entry("system.pid", "int"), Map.entry("system.platform", "string"),
                Map.entry("services.daemon.status", "string"), Map.entry("services.daemon.allocations", "int"),
                Map.entry("services.daemon.instances", "int"), Map.entry("services.state_manager.status", "string"),
                Map.entry("services.state_manager.recovery_status", "string"),
                Map.entry("services.port_scanner.status", "string"),
                Map.entry("services.port_scanner.circuit_breaker", "string"),
                Map.entry("config.service_types_loaded", "int"), Map.entry("config.log_level", "string"),
                Map.entry("config.auth_enabled", "bool"), Map.entry("warnings", "array"),
                Map.entry("response_time_ms", "number")));

        for (String path : new String[]{"/metrics", "/metrics?format=json"}) {
            assertShape(api.get(path).json(), Map.of("counters", "object", "histograms", "object", "gauges",
                    "object", "system", "object"));
        }
        JsonNode h = api.get("/metrics").json().path("histograms");
        JsonNode first = h.elements().next();
        assertShape(first, Map.of("count", "int", "sum", "number", "min", "number", "max", "number", "avg",
                "number", "buckets", "object"));
        assertThat(api.get("/metrics?format=prometheus").body()).startsWith("# HELP styxy_");

        assertShape(api.get("/audit").json(), Map.of("enabled", "bool", "log_location", "string",
                "retention_days", "int|null", "recent_events", "array"));
    }

    @Test
    void breakersAndObservation() {
        assertShape(api.get("/circuit-breakers").json(), prefixed("circuit_breakers.port_scanner.", Map.of(
                "name", "string", "state", "string", "failureCount", "int", "successCount", "int",
                "totalAttempts", "int", "failureRate", "number", "lastFailureTime", "string|null")));
        FIXTURE.listen(AbstractApiTest.listener(3003, 1234, "npm start"));
        assertShape(api.get("/observe/3004").json(), Map.of("port", "int", "bound", "bool", "message", "string"));
        assertShape(api.get("/observe/3003").json(), Map.of("port", "int", "bound", "bool", "observation",
                "object", "observation.pid", "int", "observation.process", "string", "observation.command",
                "string", "observation.service_type", "string", "observation.instance_id", "string",
                "observation.timestamp", "string", "observation.duration_ms", "number"));
        assertShape(api.get("/observe/all").json(), Map.of("total", "int", "observations", "array", "stats",
                "object"));
        assertShape(api.get("/observation-stats").json(), Map.of("stats", "object", "stats.total_ports", "int",
                "stats.by_service_type", "object", "stats.by_instance", "object", "stats.active_instances", "int",
                "timestamp", "string"));
    }

    @Test
    void suggestAndRegisterInstanceAsTheFirstInterposerUsedThem() {
        // The first interposer: GET /suggest/dev, then POST /register-instance {pid, port, service_type}
        JsonNode s = api.get("/suggest/dev").json();
        assertShape(s, Map.of("service_type", "string", "suggestions", "array", "suggestions.0", "int",
                "count", "int", "message", "string"));
        FIXTURE.edges.processes.start(2718, 1, "python3 -m http.server 8000");
        int port = s.path("suggestions").get(0).asInt();
        JsonNode reg = api.post("/register-instance", "{\"pid\":2718,\"port\":" + port
                + ",\"service_type\":\"dev\"}").json();
        assertShape(reg, Map.of("success", "bool", "instance_id", "string", "message", "string"));
        assertThat(reg.path("instance_id").asText()).isEqualTo("ldpreload-2718");
        JsonNode byId = api.post("/register-instance", "{\"instance_id\":\"hook\",\"project_path\":\"/p\","
                + "\"metadata\":{\"a\":1}}").json();
        assertShape(byId, Map.of("success", "bool", "instance_id", "string", "message", "string"));
    }

    @Test
    void authAnswersCarryTheOriginalMessages() {
        JsonNode missing = api.anonymous(Method.GET, "/allocations").json();
        assertThat(missing.path("error").asText()).startsWith("Authentication required. Provide API key via");
        JsonNode wrong = api.send(Method.GET, "/allocations", null, Map.of("X-API-Key", "nope"), false).json();
        assertThat(wrong.path("error").asText()).isEqualTo("Invalid API key");
        assertShape(wrong, Map.of("success", "bool", "error", "string", "code", "string"));
    }
}
