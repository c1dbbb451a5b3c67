package io.styxy.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.server.engine.Lease;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP API's behaviour, written once. {@link ApiRoutingTest} runs it in memory (Helidon's DirectClient),
 * {@link ApiServerTest} over a real socket.
 */
abstract class AbstractApiTest {

    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    final ApiFixture fx;
    final ApiClient api;

    AbstractApiTest(Http1Client client, ApiFixture fx) {
        this.fx = fx;
        this.api = new ApiClient(client, fx);
    }

    @BeforeEach
    void cleanSlate() {
        fx.reset();
    }

    static Listener listener(int port, long pid, String command) {
        return new Listener(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", port, pid,
                command.split(" ")[0], command, "/work/project", "1000", 42);
    }

    static void assertLegacyError(ApiClient.Resp r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.path("success").asBoolean(true)).isFalse();
        assertThat(j.path("error").isTextual()).as(r.body()).isTrue();
        assertThat(j.path("code").asText()).isEqualTo(code);
    }

    static void assertV1Error(ApiClient.Resp r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode e = r.json().path("error");
        assertThat(e.path("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(e.path("message").asText()).isNotBlank();
        assertThat(e.path("status").asInt()).isEqualTo(status);
    }

    String allocate(String type) {
        ApiClient.Resp r = api.post("/v1/leases", "{\"service_type\":\"" + type + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("lease").path("lock_id").asText();
    }

    // ================================================================== legacy routes

    @Test
    void statusIsOpenWithoutToken() {
        allocate("dev");
        ApiClient.Resp r = api.anonymous(Method.GET, "/status");
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.path("status").asText()).isEqualTo("running");
        assertThat(j.path("uptime").isNumber()).isTrue();
        assertThat(j.path("allocations").asInt()).isEqualTo(1);
        assertThat(j.path("instances").asInt()).isZero();
        assertThat(j.path("memory").isObject()).isTrue();
    }

    @Test
    void legacyAllocateGrantsThePreferredPortOfTheType() {
        ApiClient.Resp r = api.post("/allocate", "{\"service_type\":\"dev\",\"service_name\":\"web\","
                + "\"instance_id\":\"cli\",\"project_path\":\"/work/app\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.path("success").asBoolean()).isTrue();
        assertThat(j.path("port").asInt()).isEqualTo(3000);
        assertThat(j.path("lock_id").asText()).matches(UUID);
        assertThat(j.path("message").asText()).contains("3000");
        assertThat(fx.engine.leaseOnPort(3000)).isPresent();
    }

    @Test
    void legacyAllocateHonoursPreferredPortAsNumberOrString() {
        assertThat(api.post("/allocate", "{\"service_type\":\"api\",\"preferred_port\":8042}").json()
                .path("port").asInt()).isEqualTo(8042);
        assertThat(api.post("/allocate", "{\"service_type\":\"api\",\"preferred_port\":\"8043\"}").json()
                .path("port").asInt()).isEqualTo(8043);
    }

    @Test
    void legacyDryRunSaysWhichPortWithoutLeasing() {
        ApiClient.Resp r = api.post("/allocate", "{\"service_type\":\"dev\",\"service_name\":\"web\","
                + "\"dry_run\":true}");
        JsonNode j = r.json();
        assertThat(j.path("success").asBoolean()).isTrue();
        assertThat(j.path("dry_run").asBoolean()).isTrue();
        assertThat(j.path("port").asInt()).isEqualTo(3000);
        assertThat(j.path("service_type").asText()).isEqualTo("dev");
        assertThat(j.path("service_name").asText()).isEqualTo("web");
        assertThat(j.has("message")).isTrue();
        assertThat(fx.engine.leaseCount()).isZero();
    }

    @Test
    void legacySingletonAnswersWithTheHolderInTheOriginalShapePlusSuccess() {
        JsonNode first = api.post("/allocate", "{\"service_type\":\"ai\",\"instance_id\":\"a\"}").json();
        JsonNode again = api.post("/allocate", "{\"service_type\":\"ai\",\"instance_id\":\"b\"}").json();
        assertThat(again.path("existing").asBoolean()).isTrue();
        assertThat(again.path("success").asBoolean()).isTrue();
        assertThat(again.path("port").asInt()).isEqualTo(first.path("port").asInt());
        assertThat(again.path("lockId").asText()).isEqualTo(first.path("lock_id").asText());
        assertThat(again.path("lock_id").asText()).isEqualTo(first.path("lock_id").asText());
        assertThat(again.path("existingInstanceId").asText()).isEqualTo("a");
        assertThat(again.has("existingPid")).isTrue();
        assertThat(again.path("allocatedAt").isIntegralNumber()).isTrue();
        assertThat(again.has("message")).isTrue();
        assertThat(fx.engine.leaseCount()).isEqualTo(1);
    }

    @Test
    void legacyAutoAllocationOfAnUnknownTypeReportsTheNewRange() {
        JsonNode j = api.post("/allocate", "{\"service_type\":\"grafana-" + System.nanoTime() % 100000 + "\"}")
                .json();
        assertThat(j.path("success").asBoolean()).as(j.toString()).isTrue();
        assertThat(j.path("auto_allocated").asBoolean()).isTrue();
        assertThat(j.path("allocated_range")).hasSize(2);
        assertThat(j.path("chunk_size").asInt()).isEqualTo(10);
        assertThat(j.path("placement").asText()).isEqualTo("after");
        int port = j.path("port").asInt();
        assertThat(port).isBetween(j.path("allocated_range").get(0).asInt(), j.path("allocated_range").get(1)
                .asInt());
    }

    @Test
    void legacyAllocateErrorsUseTheLegacyEnvelopeAndRightStatuses() {
        assertLegacyError(api.post("/allocate", "{}"), 400, "INVALID_REQUEST");
        assertLegacyError(api.post("/allocate", "{\"service_type\":\"bad name!\"}"), 400, "INVALID_REQUEST");
        assertLegacyError(api.post("/allocate", "{\"service_type\":\"dev\",\"preferred_port\":80}"), 400,
                "INVALID_REQUEST");
        assertLegacyError(api.post("/allocate", "{\"service_type\":\"dev\",\"preferred_port\":\"3050abc\"}"), 400,
                "INVALID_PORT");
        assertLegacyError(api.post("/allocate", "{\"service_type\":42}"), 400, "INVALID_REQUEST");
        assertLegacyError(api.post("/allocate", "{\"service_type\":\"dev\""), 400, "INVALID_JSON");
        assertLegacyError(api.post("/allocate", "[1,2]"), 400, "INVALID_JSON");
        assertLegacyError(api.post("/allocate", "{\"service_type\":\"dev\",\"pid\":999999}"), 400,
                "OWNER_NOT_RUNNING");
        assertThat(fx.engine.leaseCount()).isZero();
    }

    @Test
    void exhaustedRangeIsAConflict() {
        for (int p = 6006; p <= 6029; p++) {
            fx.edges.probe.busy(p);
        }
        try {
            assertLegacyError(api.post("/allocate", "{\"service_type\":\"storybook\"}"), 409, "EXHAUSTED");
            assertV1Error(api.post("/v1/leases", "{\"service_type\":\"storybook\"}"), 409, "EXHAUSTED");
        } finally {
            for (int p = 6006; p <= 6029; p++) {
                fx.edges.probe.free(p);
            }
        }
    }

    @Test
    void aStoreThatCannotWriteIs503AndChangesNothing() {
        fx.edges.store.refuseWrites(true);
        assertLegacyError(api.post("/allocate", "{\"service_type\":\"dev\"}"), 503, "STORE_UNAVAILABLE");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\"}"), 503, "STORE_UNAVAILABLE");
        assertThat(fx.engine.leaseCount()).isZero();
        ApiClient.Resp health = api.get("/health");
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.json().path("status").asText()).isEqualTo("degraded");
        fx.edges.store.refuseWrites(false);
        allocate("dev");
        assertThat(api.get("/health").status()).isEqualTo(200);
    }

    static final String READ_ONLY = "STYXY_HOME /x is read-only (read-only file system): remount it read-write or"
            + " point STYXY_HOME at a writable directory, then restart the daemon";

    @Test
    void aReadOnlyHomeServesReadsAndRefusesEveryChangeWith503() {
        String lock = allocate("dev");
        int port = api.get("/v1/leases/" + lock).json().path("lease").path("port").asInt();
        api.post("/v1/instances", "{\"instance_id\":\"ro-1\"}");
        long commits = fx.edges.store.commits();
        int types = fx.edges.persistedTypes.size();
        fx.edges.store.readOnly(READ_ONLY);
        try {
            // Reads: as before.
            assertThat(api.get("/allocations").json().path("allocations")).hasSize(1);
            assertThat(api.get("/v1/leases").json().path("leases")).hasSize(1);
            assertThat(api.get("/check/" + port).json().path("available").asBoolean(true)).isFalse();
            assertThat(api.get("/v1/ports/" + port).status()).isEqualTo(200);
            assertThat(api.post("/allocate", "{\"service_type\":\"api\",\"dry_run\":true}").status())
                    .isEqualTo(200);
            long probes = fx.edges.probe.probes();
            // Every change, on both route families: 503, the stable code, the message naming the fix.
            List<ApiClient.Resp> legacy = List.of(
                    api.post("/allocate", "{\"service_type\":\"dev\"}"),
                    api.post("/allocate", "{\"service_type\":\"brand-new-type\"}"),
                    api.delete("/allocate/" + lock),
                    api.post("/instance/register", "{\"instance_id\":\"ro-2\"}"),
                    api.put("/instance/ro-1/heartbeat"),
                    api.post("/cleanup", "{\"force\":true}"),
                    api.post("/register-instance", "{\"instance_id\":\"ro-3\"}"));
            for (ApiClient.Resp r : legacy) {
                assertLegacyError(r, 503, "STATE_READ_ONLY");
                assertThat(r.json().path("error").asText()).isEqualTo(READ_ONLY);
            }
            List<ApiClient.Resp> v1 = List.of(
                    api.post("/v1/leases", "{\"service_type\":\"dev\"}"),
                    api.post("/v1/leases/" + lock + "/renew", "{}"),
                    api.delete("/v1/leases/" + lock),
                    api.delete("/v1/leases?port=" + port),
                    api.post("/v1/groups", "{\"leases\":[{\"service_type\":\"dev\"}]}"),
                    api.post("/v1/instances", "{\"instance_id\":\"ro-4\"}"),
                    api.put("/v1/instances/ro-1/heartbeat"),
                    api.post("/v1/cleanup", "{}"));
            for (ApiClient.Resp r : v1) {
                assertV1Error(r, 503, "STATE_READ_ONLY");
                assertThat(r.json().path("error").path("message").asText()).isEqualTo(READ_ONLY);
            }
            // Nothing changed, nothing reached the store, no port was probed for a change.
            assertThat(fx.edges.store.commits()).isEqualTo(commits);
            assertThat(fx.engine.leases()).extracting(Lease::lockId).containsExactly(lock);
            assertThat(fx.edges.probe.probes()).isEqualTo(probes);
            assertThat(fx.edges.persistedTypes).hasSize(types);
            // Health and doctor say so.
            ApiClient.Resp health = api.get("/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().path("status").asText()).isEqualTo("degraded");
            assertThat(health.json().path("read_only").asBoolean()).isTrue();
            assertThat(health.json().path("services").path("store").path("status").asText()).isEqualTo("read_only");
            assertThat(health.json().path("warnings").toString()).contains(READ_ONLY);
            JsonNode status = api.get("/v1/status").json();
            assertThat(status.path("status").asText()).isEqualTo("read_only");
            assertThat(status.path("read_only_reason").asText()).isEqualTo(READ_ONLY);
            assertThat(api.get("/status").json().path("read_only").asBoolean()).isTrue();
            JsonNode store = null;
            for (JsonNode c : api.get("/v1/doctor").json().path("checks")) {
                if (c.path("name").asText().equals("store")) {
                    store = c;
                }
            }
            assertThat(store).isNotNull();
            assertThat(store.path("status").asText()).isEqualTo("fail");
            assertThat(store.path("detail").asText()).contains(READ_ONLY);
        } finally {
            fx.edges.store.readOnly(null);
        }
        assertThat(api.get("/health").json().path("read_only").asBoolean(true)).isFalse();
        assertThat(api.get("/v1/status").json().path("status").asText()).isEqualTo("running");
    }

    @Test
    void legacyReleaseByLockId() {
        String lock = api.post("/allocate", "{\"service_type\":\"dev\"}").json().path("lock_id").asText();
        ApiClient.Resp r = api.delete("/allocate/" + lock);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("success").asBoolean()).isTrue();
        assertThat(r.json().path("port").asInt()).isEqualTo(3000);
        assertThat(r.json().path("message").asText()).isEqualTo("Port 3000 released");
        assertLegacyError(api.delete("/allocate/" + lock), 404, "NOT_FOUND");
        assertLegacyError(api.delete("/allocate/not-a-uuid"), 400, "INVALID_REQUEST");
    }

    @Test
    void legacyCheckShowsTheRecordInBothNamingStylesAndForeignListeners() {
        api.post("/allocate", "{\"service_type\":\"dev\",\"service_name\":\"web\",\"instance_id\":\"i1\"}");
        JsonNode taken = api.get("/check/3000").json();
        assertThat(taken.path("port").asInt()).isEqualTo(3000);
        assertThat(taken.path("available").asBoolean()).isFalse();
        JsonNode rec = taken.path("allocated_to");
        for (String[] pair : new String[][]{{"service_type", "serviceType"}, {"service_name", "serviceName"},
                {"instance_id", "instanceId"}, {"project_path", "projectPath"}, {"lock_id", "lockId"}}) {
            assertThat(rec.has(pair[0])).as(pair[0]).isTrue();
            assertThat(rec.path(pair[0])).isEqualTo(rec.path(pair[1]));
        }
        assertThat(rec.path("service_name").asText()).isEqualTo("web");
        assertThat(rec.has("allocated_at")).isTrue();
        assertThat(rec.has("process_id")).isTrue();
        assertThat(taken.path("system_usage").isNull()).isTrue();

        JsonNode free = api.get("/check/3005").json();
        assertThat(free.path("available").asBoolean()).isTrue();
        assertThat(free.path("allocated_to").isNull()).isTrue();

        fx.listen(listener(8500, 4242, "python3 -m http.server 8500"));
        JsonNode busy = api.get("/check/8500").json();
        assertThat(busy.path("available").asBoolean()).isFalse();
        assertThat(busy.path("system_usage").path("pid").asLong()).isEqualTo(4242);
        assertThat(busy.path("system_usage").path("process").path("name").asText()).isEqualTo("python3");

        assertLegacyError(api.get("/check/0"), 400, "INVALID_PORT");
        assertLegacyError(api.get("/check/70000"), 400, "INVALID_PORT");
        assertLegacyError(api.get("/check/abc"), 400, "INVALID_PORT");
    }

    @Test
    void legacyAllocationsListsRecords() {
        allocate("dev");
        allocate("api");
        JsonNode all = api.get("/allocations").json().path("allocations");
        assertThat(all).hasSize(2);
        assertThat(all.get(0).path("port").asInt()).isEqualTo(3000);
        assertThat(all.get(0).path("lockId").asText()).matches(UUID);
        assertThat(all.get(1).path("serviceType").asText()).isEqualTo("api");
    }

    @Test
    void legacyConfigListsTypesAsAMap() {
        JsonNode j = api.get("/config").json();
        JsonNode dev = j.path("service_types").path("dev");
        assertThat(dev.path("port_range").get(0).asInt()).isEqualTo(3000);
        assertThat(dev.path("range").get(1).asInt()).isEqualTo(3099);
        assertThat(dev.path("preferred_ports").get(0).asInt()).isEqualTo(3000);
        assertThat(j.path("service_types").path("ai").path("instance_behavior").asText()).isEqualTo("single");
        assertThat(j.path("compliance").path("version").asText()).isEqualTo("2.0");
    }

    @Test
    void legacyInstancesRegisterHeartbeatAndListTheirAllocations() {
        String id = "claude-code-" + System.nanoTime();
        ApiClient.Resp reg = api.post("/instance/register", "{\"instance_id\":\"" + id
                + "\",\"working_directory\":\"/work/app\",\"metadata\":{\"agent\":\"x\",\"n\":1}}");
        assertThat(reg.json().path("success").asBoolean()).as(reg.body()).isTrue();
        assertThat(reg.json().path("instance_id").asText()).isEqualTo(id);
        api.post("/allocate", "{\"service_type\":\"dev\",\"instance_id\":\"" + id + "\"}");
        JsonNode list = api.get("/instance/list").json().path("instances");
        JsonNode mine = null;
        for (JsonNode i : list) {
            if (i.path("instance_id").asText().equals(id)) {
                mine = i;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.path("working_directory").asText()).isEqualTo("/work/app");
        assertThat(mine.path("metadata").path("agent").asText()).isEqualTo("x");
        assertThat(mine.has("registered_at")).isTrue();
        assertThat(mine.has("last_heartbeat")).isTrue();
        assertThat(mine.path("active_allocations")).hasSize(1);
        assertThat(mine.path("active_allocations").get(0).path("port").asInt()).isEqualTo(3000);

        ApiClient.Resp beat = api.put("/instance/" + id + "/heartbeat");
        assertThat(beat.json().path("success").asBoolean()).isTrue();
        assertThat(beat.json().path("instance_id").asText()).isEqualTo(id);
        assertThat(beat.json().has("last_heartbeat")).isTrue();

        assertLegacyError(api.put("/instance/nobody-here/heartbeat"), 404, "NOT_FOUND");
        assertLegacyError(api.post("/instance/register", "{}"), 400, "INVALID_REQUEST");
        assertLegacyError(api.post("/instance/register", "{\"instance_id\":\"bad id\"}"), 400, "INVALID_REQUEST");
    }

    @Test
    void legacyCleanupWithForceReleasesEverything() {
        allocate("dev");
        allocate("dev");
        JsonNode j = api.post("/cleanup", "{\"force\":true}").json();
        assertThat(j.path("success").asBoolean()).isTrue();
        assertThat(j.path("cleaned").asInt()).isEqualTo(2);
        assertThat(j.has("message")).isTrue();
        assertThat(fx.engine.leaseCount()).isZero();
        assertThat(api.post("/cleanup", "").json().path("cleaned").asInt()).isZero();
    }

    @Test
    void legacyScanUsesTheLedgerAndTheObserver() {
        allocate("dev");
        fx.listen(listener(3050, 77, "node server.js"));
        fx.listen(listener(9999, 78, "node other.js"));
        JsonNode j = api.get("/scan?start=3000&end=3099").json();
        assertThat(j.path("scan_range").asText()).isEqualTo("3000-3099");
        JsonNode ports = j.path("ports_in_use");
        assertThat(ports).hasSize(2);
        assertThat(ports.get(0).path("port").asInt()).isEqualTo(3000);
        assertThat(ports.get(0).path("allocated_to").path("lockId").asText()).matches(UUID);
        assertThat(ports.get(1).path("port").asInt()).isEqualTo(3050);
        assertThat(ports.get(1).path("system_usage").path("pid").asLong()).isEqualTo(77);
        assertThat(api.get("/scan").json().path("scan_range").asText()).isEqualTo("3000-9999");
        assertLegacyError(api.get("/scan?start=5000&end=4000"), 400, "INVALID_REQUEST");
        assertLegacyError(api.get("/scan?start=1&end=65535"), 400, "INVALID_REQUEST");
        assertLegacyError(api.get("/scan?start=abc"), 400, "INVALID_REQUEST");
    }

    @Test
    void legacyHealthIsReal() {
        ApiClient.Resp r = api.get("/health");
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.path("status").asText()).isIn("healthy", "warning");
        for (String key : List.of("timestamp", "uptime", "version", "system", "services", "config", "warnings",
                "response_time_ms")) {
            assertThat(j.has(key)).as(key).isTrue();
        }
        assertThat(j.path("services").path("daemon").path("status").asText()).isEqualTo("running");
        assertThat(j.path("services").path("store").path("status").asText()).isEqualTo("ok");
        assertThat(j.path("config").path("auth_enabled").asBoolean()).isTrue();
        fx.observation.failing = true;
        JsonNode warn = api.get("/health").json();
        assertThat(warn.path("status").asText()).isEqualTo("warning");
        assertThat(warn.path("warnings").toString()).contains("fake");
    }

    @Test
    void legacyMetricsAsJsonCountMonotonically() {
        JsonNode before = api.get("/metrics").json();
        allocate("dev");
        JsonNode after = api.get("/metrics").json();
        assertThat(after.has("counters")).isTrue();
        assertThat(after.has("histograms")).isTrue();
        assertThat(after.has("gauges")).isTrue();
        assertThat(after.has("system")).isTrue();
        long granted = sum(after.path("counters"), "styxy_leases_granted_total");
        assertThat(granted).isGreaterThan(sum(before.path("counters"), "styxy_leases_granted_total"));
        assertThat(after.path("gauges").path("styxy_leases").asDouble()).isEqualTo(1.0);
    }

    private static long sum(JsonNode counters, String prefix) {
        long total = 0;
        for (var it = counters.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(prefix)) {
                total += e.getValue().asLong();
            }
        }
        return total;
    }

    @Test
    void legacyMetricsAsPrometheusTextAreValidExposition() {
        allocate("dev");
        api.get("/check/3000");
        ApiClient.Resp r = api.get("/metrics?format=prometheus");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        PrometheusText.assertValid(r.body());
        assertThat(r.body()).contains("# TYPE styxy_leases_granted_total counter");
        assertThat(r.body()).contains("styxy_http_request_duration_seconds_bucket{route=\"/check/{port}\",le=\"+Inf\"}");
        assertLegacyError(api.get("/metrics?format=xml"), 400, "INVALID_REQUEST");
    }

    @Test
    void legacyAuditShowsRealRecentEvents() {
        String lock = allocate("dev");
        api.delete("/v1/leases/" + lock);
        JsonNode j = api.get("/audit").json();
        assertThat(j.path("enabled").asBoolean()).isTrue();
        assertThat(j.path("log_location").asText()).endsWith("audit.log");
        List<String> actions = new ArrayList<>();
        j.path("recent_events").forEach(e -> actions.add(e.path("action").asText()));
        assertThat(actions).contains("PORT_ALLOCATED", "PORT_RELEASED");
        JsonNode last = j.path("recent_events").get(j.path("recent_events").size() - 1);
        assertThat(last.path("lock_id").asText()).isEqualTo(lock);
    }

    @Test
    void legacyCircuitBreakersReportTheObserversHealth() {
        JsonNode b = api.get("/circuit-breakers").json().path("circuit_breakers").path("port_scanner");
        assertThat(b.path("state").asText()).isEqualTo("CLOSED");
        for (String key : List.of("name", "failureCount", "successCount", "totalAttempts", "failureRate",
                "lastFailureTime")) {
            assertThat(b.has(key)).as(key).isTrue();
        }
        fx.observation.failing = true;
        assertThat(api.get("/circuit-breakers").json().path("circuit_breakers").path("port_scanner")
                .path("state").asText()).isEqualTo("OPEN");
    }

    @Test
    void legacyObservePortAndObserveAllAreBothReachable() {
        fx.listen(listener(3001, 555, "npm run dev"));
        JsonNode one = api.get("/observe/3001").json();
        assertThat(one.path("bound").asBoolean()).isTrue();
        JsonNode o = one.path("observation");
        assertThat(o.path("pid").asLong()).isEqualTo(555);
        assertThat(o.path("process").asText()).isEqualTo("npm");
        assertThat(o.path("command").asText()).isEqualTo("npm run dev");
        assertThat(o.path("service_type").asText()).isEqualTo("dev");
        assertThat(o.has("instance_id")).isTrue();
        assertThat(o.has("timestamp")).isTrue();
        JsonNode none = api.get("/observe/3002").json();
        assertThat(none.path("bound").asBoolean()).isFalse();
        assertThat(none.has("message")).isTrue();
        assertLegacyError(api.get("/observe/notaport"), 400, "INVALID_PORT");

        ApiClient.Resp all = api.get("/observe/all");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().path("total").asInt()).isEqualTo(1);
        assertThat(all.json().path("observations").get(0).path("port").asInt()).isEqualTo(3001);
        assertThat(all.json().path("stats").path("total_ports").asInt()).isEqualTo(1);
    }

    @Test
    void legacySuggestReservesPortsFromTheAllocator() {
        allocate("dev");
        JsonNode first = api.get("/suggest/dev?count=3").json();
        assertThat(first.path("service_type").asText()).isEqualTo("dev");
        assertThat(first.path("count").asInt()).isEqualTo(3);
        List<Integer> ports = new ArrayList<>();
        first.path("suggestions").forEach(p -> ports.add(p.asInt()));
        assertThat(ports).doesNotContain(3000).hasSize(3);
        JsonNode second = api.get("/suggest/dev?count=3").json();
        List<Integer> again = new ArrayList<>();
        second.path("suggestions").forEach(p -> again.add(p.asInt()));
        assertThat(again).doesNotContainAnyElementsOf(ports);
        assertThat(api.get("/suggest/dev").json().path("suggestions")).hasSize(5);
        assertLegacyError(api.get("/suggest/no-such-type"), 404, "UNKNOWN_SERVICE_TYPE");
        assertLegacyError(api.get("/suggest/dev?count=0"), 400, "INVALID_REQUEST");
    }

    @Test
    void legacyRegisterInstanceWithPortAndPidCreatesARealLease() {
        fx.edges.processes.start(31337, 5000, "python3 -m http.server 8000");
        ApiClient.Resp r = api.post("/register-instance", "{\"pid\":31337,\"port\":8040,\"service_type\":\"api\"}");
        JsonNode j = r.json();
        assertThat(j.path("success").asBoolean()).as(r.body()).isTrue();
        assertThat(j.path("instance_id").asText()).isEqualTo("ldpreload-31337");
        assertThat(j.path("lock_id").asText()).matches(UUID);
        Lease lease = fx.engine.leaseOnPort(8040).orElseThrow();
        assertThat(lease.owner().pid()).isEqualTo(31337);
        assertThat(lease.origin()).isEqualTo(Lease.Origin.REGISTRATION);
        JsonNode v1 = api.get("/v1/leases?pid=31337").json().path("leases");
        assertThat(v1).hasSize(1);
        assertThat(v1.get(0).path("origin").asText()).isEqualTo("registration");

        JsonNode plain = api.post("/register-instance", "{\"instance_id\":\"hook-1\"}").json();
        assertThat(plain.path("success").asBoolean()).isTrue();
        assertThat(plain.path("instance_id").asText()).isEqualTo("hook-1");
        assertLegacyError(api.post("/register-instance", "{}"), 400, "INVALID_REQUEST");
        assertLegacyError(api.post("/register-instance", "{\"pid\":999999,\"port\":8041}"), 400,
                "OWNER_NOT_RUNNING");
    }

    @Test
    void legacyObservationStats() {
        fx.listen(listener(3001, 555, "npm run dev"));
        fx.listen(listener(8001, 556, "uvicorn app:main"));
        JsonNode j = api.get("/observation-stats").json();
        JsonNode s = j.path("stats");
        assertThat(s.path("total_ports").asInt()).isEqualTo(2);
        assertThat(s.path("by_service_type").path("dev").asInt()).isEqualTo(1);
        assertThat(s.path("by_service_type").path("api").asInt()).isEqualTo(1);
        assertThat(s.has("by_instance")).isTrue();
        assertThat(s.has("active_instances")).isTrue();
        assertThat(j.has("timestamp")).isTrue();
    }

    // ================================================================== /v1

    @Test
    void v1Status() {
        JsonNode j = api.get("/v1/status").json();
        for (String key : List.of("status", "version", "pid", "uptime_seconds", "leases", "instances", "observer",
                "http_port", "socket", "started_at")) {
            assertThat(j.has(key)).as(key).isTrue();
        }
        assertThat(j.path("observer").asText()).isEqualTo("fake");
        assertThat(j.path("http_port").asInt()).isEqualTo(fx.port);
        assertV1Error(api.anonymous(Method.GET, "/v1/status"), 401, "UNAUTHORIZED");
    }

    @Test
    void v1CreateLeaseAnswers201WithTheLease() {
        fx.edges.processes.start(4100);
        ApiClient.Resp r = api.post("/v1/leases", "{\"service_type\":\"api\",\"service_name\":\"backend\","
                + "\"preferred_port\":8010,\"instance_id\":\"i-1\",\"project_path\":\"/work/p\",\"pid\":4100,"
                + "\"protocol\":\"tcp\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode l = r.json().path("lease");
        assertThat(l.path("lock_id").asText()).matches(UUID);
        assertThat(l.path("port").asInt()).isEqualTo(8010);
        assertThat(l.path("protocol").asText()).isEqualTo("tcp");
        assertThat(l.path("service_type").asText()).isEqualTo("api");
        assertThat(l.path("service_name").asText()).isEqualTo("backend");
        assertThat(l.path("project_path").asText()).isEqualTo("/work/p");
        assertThat(l.path("instance_id").asText()).isEqualTo("i-1");
        assertThat(l.path("owner").path("pid").asLong()).isEqualTo(4100);
        assertThat(l.path("owner").has("start_time")).isTrue();
        assertThat(l.path("origin").asText()).isEqualTo("api");
        assertThat(l.has("created_at")).isTrue();
        assertThat(l.has("renewed_at")).isTrue();
        assertThat(r.json().has("auto_range")).isFalse();
    }

    @Test
    void v1CreateLeaseVariants() {
        ApiClient.Resp auto = api.post("/v1/leases", "{\"service_type\":\"metrics-" + System.nanoTime() % 100000
                + "\"}");
        assertThat(auto.status()).as(auto.body()).isEqualTo(201);
        JsonNode range = auto.json().path("auto_range");
        assertThat(range.path("start").asInt()).isPositive();
        assertThat(range.path("end").asInt()).isGreaterThan(range.path("start").asInt());
        assertThat(range.path("chunk_size").asInt()).isPositive();
        assertThat(range.path("placement").asText()).isEqualTo("after");

        ApiClient.Resp first = api.post("/v1/leases", "{\"service_type\":\"ai\"}");
        ApiClient.Resp held = api.post("/v1/leases", "{\"service_type\":\"ai\"}");
        assertThat(held.status()).isEqualTo(200);
        assertThat(held.json().path("existing").asBoolean()).isTrue();
        assertThat(held.json().path("lease").path("lock_id").asText())
                .isEqualTo(first.json().path("lease").path("lock_id").asText());

        ApiClient.Resp dry = api.post("/v1/leases", "{\"service_type\":\"dev\",\"service_name\":\"x\","
                + "\"dry_run\":true}");
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.json().path("dry_run").asBoolean()).isTrue();
        assertThat(dry.json().path("port").asInt()).isEqualTo(3000);
        assertThat(dry.json().path("service_type").asText()).isEqualTo("dev");
        assertThat(dry.json().path("service_name").asText()).isEqualTo("x");

        ApiClient.Resp stable1 = api.post("/v1/leases", "{\"service_type\":\"dev\",\"service_name\":\"web\","
                + "\"project_path\":\"/work/a\",\"stable\":true}");
        int port = stable1.json().path("lease").path("port").asInt();
        api.delete("/v1/leases/" + stable1.json().path("lease").path("lock_id").asText());
        ApiClient.Resp stable2 = api.post("/v1/leases", "{\"service_type\":\"dev\",\"service_name\":\"web\","
                + "\"project_path\":\"/work/a\",\"stable\":true}");
        assertThat(stable2.json().path("lease").path("port").asInt()).isEqualTo(port);

        assertV1Error(api.post("/v1/leases", "{}"), 400, "INVALID_REQUEST");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\",\"protocol\":\"sctp\"}"), 400,
                "INVALID_REQUEST");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\",\"stable\":\"maybe\"}"), 400,
                "INVALID_REQUEST");
    }

    @Test
    void v1ListFilterGetRenewAndRelease() {
        fx.edges.processes.start(4200);
        api.post("/v1/leases", "{\"service_type\":\"dev\",\"instance_id\":\"a\"}");
        api.post("/v1/leases", "{\"service_type\":\"api\",\"instance_id\":\"b\",\"pid\":4200}");
        assertThat(api.get("/v1/leases").json().path("leases")).hasSize(2);
        assertThat(api.get("/v1/leases?service_type=api").json().path("leases")).hasSize(1);
        assertThat(api.get("/v1/leases?instance_id=a").json().path("leases").get(0).path("service_type")
                .asText()).isEqualTo("dev");
        assertThat(api.get("/v1/leases?pid=4200").json().path("leases")).hasSize(1);
        assertThat(api.get("/v1/leases?pid=4201").json().path("leases")).isEmpty();
        assertV1Error(api.get("/v1/leases?pid=abc"), 400, "INVALID_REQUEST");

        String lock = api.get("/v1/leases?service_type=dev").json().path("leases").get(0).path("lock_id").asText();
        assertThat(api.get("/v1/leases/" + lock).json().path("lease").path("port").asInt()).isEqualTo(3000);
        fx.edges.clock.advance(java.time.Duration.ofSeconds(5));
        JsonNode renewed = api.post("/v1/leases/" + lock + "/renew", "").json().path("lease");
        assertThat(renewed.path("renewed_at").asText()).isNotEqualTo(renewed.path("created_at").asText());
        JsonNode released = api.delete("/v1/leases/" + lock).json().path("released");
        assertThat(released).hasSize(1);
        assertThat(released.get(0).path("lock_id").asText()).isEqualTo(lock);
        assertV1Error(api.get("/v1/leases/" + lock), 404, "NOT_FOUND");
        assertV1Error(api.delete("/v1/leases/" + lock), 404, "NOT_FOUND");
        assertV1Error(api.post("/v1/leases/" + lock + "/renew", ""), 404, "NOT_FOUND");
        assertV1Error(api.get("/v1/leases/xyz"), 400, "INVALID_REQUEST");
    }

    @Test
    void v1ReleaseByPortPidOrInstance() {
        fx.edges.processes.start(4300);
        api.post("/v1/leases", "{\"service_type\":\"dev\"}");
        api.post("/v1/leases", "{\"service_type\":\"dev\",\"pid\":4300}");
        api.post("/v1/leases", "{\"service_type\":\"dev\",\"pid\":4300}");
        api.post("/v1/leases", "{\"service_type\":\"api\",\"instance_id\":\"sess\"}");
        assertThat(api.delete("/v1/leases?port=3000").json().path("released")).hasSize(1);
        assertThat(api.delete("/v1/leases?port=3000").json().path("released")).isEmpty();
        assertThat(api.delete("/v1/leases?pid=4300").json().path("released")).hasSize(2);
        assertThat(api.delete("/v1/leases?instance_id=sess").json().path("released")).hasSize(1);
        assertThat(fx.engine.leaseCount()).isZero();
        assertV1Error(api.delete("/v1/leases"), 400, "INVALID_REQUEST");
        assertV1Error(api.delete("/v1/leases?port=1&pid=2"), 400, "INVALID_REQUEST");
    }

    @Test
    void v1PortsAndListeners() {
        allocate("dev");
        fx.listen(listener(3050, 77, "npm run dev"));
        JsonNode p = api.get("/v1/ports/3000").json();
        assertThat(p.path("port").asInt()).isEqualTo(3000);
        assertThat(p.path("available").asBoolean()).isFalse();
        assertThat(p.path("lease").path("service_type").asText()).isEqualTo("dev");
        for (String key : List.of("listeners", "quarantined", "held", "bindable")) {
            assertThat(p.has(key)).as(key).isTrue();
        }
        JsonNode l = api.get("/v1/ports/3050").json();
        assertThat(l.path("listeners").get(0).path("pid").asLong()).isEqualTo(77);
        assertThat(l.path("listeners").get(0).path("service_type").asText()).isEqualTo("dev");

        JsonNode range = api.get("/v1/ports?start=3000&end=3099").json();
        assertThat(range.path("start").asInt()).isEqualTo(3000);
        assertThat(range.path("end").asInt()).isEqualTo(3099);
        assertThat(range.path("ports")).hasSize(2);
        assertThat(range.path("ports").get(1).path("listeners").get(0).path("command").asText())
                .isEqualTo("npm run dev");
        assertV1Error(api.get("/v1/ports?start=10&end=5"), 400, "INVALID_REQUEST");
        assertV1Error(api.get("/v1/ports/65536"), 400, "INVALID_PORT");

        JsonNode listeners = api.get("/v1/listeners").json();
        assertThat(listeners.path("observer").asText()).isEqualTo("fake");
        JsonNode first = listeners.path("listeners").get(0);
        for (String key : List.of("protocol", "family", "address", "port", "pid", "process", "command", "cwd",
                "user", "service_type")) {
            assertThat(first.has(key)).as(key).isTrue();
        }
        assertThat(first.path("family").asText()).isEqualTo("ipv4");
    }

    @Test
    void v1ServiceTypesAndSuggestions() {
        JsonNode types = api.get("/v1/service-types").json().path("service_types");
        assertThat(types.size()).isGreaterThanOrEqualTo(17);
        JsonNode dev = types.get(0);
        assertThat(dev.path("name").asText()).isEqualTo("dev");
        assertThat(dev.path("port_range").path("start").asInt()).isEqualTo(3000);
        assertThat(dev.path("port_range").path("end").asInt()).isEqualTo(3099);
        assertThat(dev.path("source").asText()).isEqualTo("builtin");
        for (String key : List.of("description", "preferred_ports", "instance_behavior", "examples")) {
            assertThat(dev.has(key)).as(key).isTrue();
        }
        JsonNode s = api.get("/v1/suggestions/api?count=2").json();
        assertThat(s.path("service_type").asText()).isEqualTo("api");
        assertThat(s.path("ports")).hasSize(2);
        assertThat(s.path("held_for_seconds").asInt()).isPositive();
        assertV1Error(api.get("/v1/suggestions/nope"), 404, "UNKNOWN_SERVICE_TYPE");
        assertV1Error(api.get("/v1/suggestions/api?count=101"), 400, "INVALID_REQUEST");
    }

    @Test
    void v1Instances() {
        String id = "v1-inst-" + System.nanoTime();
        ApiClient.Resp created = api.post("/v1/instances", "{\"instance_id\":\"" + id
                + "\",\"working_directory\":\"/w\",\"metadata\":{\"k\":\"v\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("instance").path("instance_id").asText()).isEqualTo(id);
        api.post("/v1/leases", "{\"service_type\":\"dev\",\"instance_id\":\"" + id + "\"}");
        boolean found = false;
        for (JsonNode i : api.get("/v1/instances").json().path("instances")) {
            if (i.path("instance_id").asText().equals(id)) {
                found = true;
                assertThat(i.path("leases")).hasSize(1);
                assertThat(i.path("metadata").path("k").asText()).isEqualTo("v");
            }
        }
        assertThat(found).isTrue();
        assertThat(api.put("/v1/instances/" + id + "/heartbeat").json().path("instance").has("last_heartbeat"))
                .isTrue();
        assertV1Error(api.put("/v1/instances/ghost/heartbeat"), 404, "NOT_FOUND");
        assertV1Error(api.post("/v1/instances", "{\"instance_id\":\"no spaces\"}"), 400, "INVALID_REQUEST");
        assertV1Error(api.post("/v1/instances", "{\"instance_id\":\"x\",\"metadata\":[1]}"), 400,
                "INVALID_REQUEST");
    }

    @Test
    void v1GroupsAreAllOrNothing() {
        fx.edges.processes.start(4400);
        ApiClient.Resp ok = api.post("/v1/groups", "{\"pid\":4400,\"project_path\":\"/work/app\",\"leases\":["
                + "{\"service_type\":\"dev\",\"service_name\":\"web\"},"
                + "{\"service_type\":\"api\",\"service_name\":\"backend\",\"preferred_port\":8020}]}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        JsonNode leases = ok.json().path("leases");
        assertThat(leases).hasSize(2);
        assertThat(leases.get(0).path("owner").path("pid").asLong()).isEqualTo(4400);
        assertThat(leases.get(1).path("port").asInt()).isEqualTo(8020);
        assertThat(leases.get(1).path("project_path").asText()).isEqualTo("/work/app");

        for (int p = 6006; p <= 6029; p++) {
            fx.edges.probe.busy(p);
        }
        try {
            int before = fx.engine.leaseCount();
            assertV1Error(api.post("/v1/groups", "{\"leases\":[{\"service_type\":\"dev\",\"service_name\":\"a\"},"
                    + "{\"service_type\":\"storybook\",\"service_name\":\"b\"}]}"), 409, "EXHAUSTED");
            assertThat(fx.engine.leaseCount()).isEqualTo(before);
        } finally {
            for (int p = 6006; p <= 6029; p++) {
                fx.edges.probe.free(p);
            }
        }
        assertV1Error(api.post("/v1/groups", "{\"leases\":[]}"), 400, "INVALID_REQUEST");
        assertV1Error(api.post("/v1/groups", "{\"leases\":{}}"), 400, "INVALID_REQUEST");
        assertV1Error(api.post("/v1/groups", "{\"leases\":[1]}"), 400, "INVALID_REQUEST");
    }

    @Test
    void v1Reassignments() {
        fx.edges.processes.start(4500, 9, "uvicorn main:app --port 8000");
        fx.engine.reassign(4500, 8000, Protocol.TCP, null);
        JsonNode r = api.get("/v1/reassignments?port=8000").json().path("reassignments");
        assertThat(r.size()).isGreaterThanOrEqualTo(1);
        JsonNode last = r.get(r.size() - 1);
        for (String key : List.of("id", "pid", "command", "asked_port", "given_port", "service_type", "lock_id",
                "at")) {
            assertThat(last.has(key)).as(key).isTrue();
        }
        assertThat(last.path("asked_port").asInt()).isEqualTo(8000);
        assertThat(last.path("service_type").asText()).isEqualTo("api");
        assertThat(api.get("/v1/reassignments").json().path("reassignments").size()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void v1CleanupDoctorAndConfig() {
        allocate("dev");
        assertThat(api.post("/v1/cleanup", "{\"force\":true}").json().path("released")).hasSize(1);

        JsonNode doctor = api.get("/v1/doctor").json();
        assertThat(doctor.path("checks").size()).isGreaterThan(3);
        for (JsonNode c : doctor.path("checks")) {
            assertThat(c.path("status").asText()).isIn("ok", "warn", "fail");
            assertThat(c.path("name").asText()).isNotBlank();
            assertThat(c.has("detail")).isTrue();
        }
        JsonNode obs = doctor.path("observers");
        assertThat(obs).hasSize(2);
        assertThat(obs.get(0).path("active").asBoolean()).isTrue();
        assertThat(obs.get(1).path("usable").asBoolean()).isFalse();
        assertThat(obs.get(1).path("reason").asText()).contains("lsof");

        JsonNode config = api.get("/v1/config").json();
        assertThat(config.path("service_types").get(0).path("source").asText()).isEqualTo("builtin");
        assertThat(config.path("auto_allocation").path("enabled").asBoolean()).isTrue();
        assertThat(config.path("durability").asText()).isEqualTo("normal");
        assertThat(config.has("observer")).isTrue();
    }

    @Test
    void v1ConfigValidate() {
        JsonNode ok = api.post("/v1/config/validate", "{\"service_types\":{\"dev\":{\"port_range\":[3000,3199]}}}")
                .json();
        assertThat(ok.path("valid").asBoolean()).isTrue();
        assertThat(ok.path("errors")).isEmpty();
        assertThat(ok.path("warnings").toString()).contains("monitoring"); // 3000-3199 overlaps 3100-3199

        JsonNode bad = api.post("/v1/config/validate", "{\"service_types\":{\"x\":{\"range\":[1,2]}}}").json();
        assertThat(bad.path("valid").asBoolean()).isFalse();
        assertThat(bad.path("errors").get(0).asText()).contains("port_range");

        JsonNode notJson = api.post("/v1/config/validate", "{oops").json();
        assertThat(notJson.path("valid").asBoolean()).isFalse();
    }

    // ================================================================== errors and security

    @Test
    void unknownRoutesAndWrongMethodsAreJson() {
        assertV1Error(api.get("/v1/nothing"), 404, "NOT_FOUND");
        assertLegacyError(api.get("/nothing"), 404, "NOT_FOUND");
        ApiClient.Resp wrong = api.put("/v1/leases");
        assertV1Error(wrong, 405, "METHOD_NOT_ALLOWED");
        assertThat(wrong.header("Allow")).contains("GET", "POST", "DELETE");
        assertLegacyError(api.delete("/allocations"), 405, "METHOD_NOT_ALLOWED");
        assertLegacyError(api.get("/allocate"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void bodiesAreCheckedForTypeSizeAndShape() {
        assertV1Error(api.send(Method.POST, "/v1/leases", "service_type=dev",
                Map.of("Content-Type", "application/x-www-form-urlencoded"), true), 415, "UNSUPPORTED_MEDIA_TYPE");
        String big = "{\"service_type\":\"dev\",\"pad\":\"" + "x".repeat(11 * 1024) + "\"}";
        assertV1Error(api.post("/v1/leases", big), 413, "PAYLOAD_TOO_LARGE");
        assertLegacyError(api.post("/allocate", big), 413, "PAYLOAD_TOO_LARGE");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\"} trailing"), 400, "INVALID_JSON");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\",\"preferred_port\":true}"), 400,
                "INVALID_PORT");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\",\"pid\":-5}"), 400, "INVALID_REQUEST");
        assertV1Error(api.post("/v1/leases", "{\"service_type\":\"dev\",\"preferred_port\":1e9}"), 400,
                "INVALID_PORT");
        assertThat(fx.engine.leaseCount()).isZero();
    }

    @Test
    void tokenIsRequiredEverywhereButStatus() {
        for (String path : List.of("/allocations", "/health", "/metrics", "/config", "/audit", "/v1/leases",
                "/v1/doctor", "/nothing")) {
            ApiClient.Resp r = api.anonymous(Method.GET, path);
            assertThat(r.status()).as(path).isEqualTo(401);
            assertThat(r.header("WWW-Authenticate")).isNotNull();
        }
        assertLegacyError(api.anonymous(Method.GET, "/allocations"), 401, "UNAUTHORIZED");
        assertV1Error(api.anonymous(Method.POST, "/v1/leases"), 401, "UNAUTHORIZED");
        assertThat(api.anonymous(Method.POST, "/status").status()).isEqualTo(401);
        ApiClient.Resp wrong = api.send(Method.GET, "/allocations", null,
                Map.of("Authorization", "Bearer " + "0".repeat(64)), false);
        assertLegacyError(wrong, 401, "UNAUTHORIZED");
        assertThat(wrong.json().path("error").asText()).isEqualTo("Invalid API key");
        ApiClient.Resp key = api.send(Method.GET, "/allocations", null, Map.of("X-API-Key", ApiFixture.TOKEN),
                false);
        assertThat(key.status()).isEqualTo(200);
        List<String> actions = new ArrayList<>();
        fx.audit.recent(50).forEach(e -> actions.add((String) e.get("action")));
        assertThat(actions).contains("AUTH_FAILED");
    }

    @Test
    void hostAndOriginAreChecked() {
        int port = fx.port;
        for (String host : List.of("evil.example:" + port, "127.0.0.1:" + (port + 1), "192.168.1.5:" + port,
                "localhost", "127.0.0.1")) {
            ApiClient.Resp r = api.send(Method.GET, "/v1/status", null, Map.of("Host", host), true);
            assertV1Error(r, 403, "FORBIDDEN_HOST");
        }
        for (String host : List.of("localhost:" + port, "[::1]:" + port, "127.0.0.1:" + port)) {
            assertThat(api.send(Method.GET, "/v1/status", null, Map.of("Host", host), true).status()).as(host)
                    .isEqualTo(200);
        }
        assertV1Error(api.send(Method.GET, "/v1/status", null, Map.of("Origin", "https://evil.example"), true), 403,
                "FORBIDDEN_ORIGIN");
        assertV1Error(api.send(Method.GET, "/v1/status", null, Map.of("Origin", "null"), true), 403,
                "FORBIDDEN_ORIGIN");
        assertLegacyError(api.send(Method.GET, "/status", null, Map.of("Origin", "http://localhost:1"), false), 403,
                "FORBIDDEN_ORIGIN");
        assertV1Error(api.send(Method.GET, "/v1/status", null, Map.of("Sec-Fetch-Site", "cross-site"), true), 403,
                "FORBIDDEN_ORIGIN");
        assertThat(api.send(Method.GET, "/v1/status", null, Map.of("Origin", "http://127.0.0.1:" + port), true)
                .status()).isEqualTo(200);
        assertThat(api.send(Method.GET, "/v1/status", null, Map.of("Origin", "http://localhost:" + port,
                "Sec-Fetch-Site", "same-origin"), true).status()).isEqualTo(200);
    }
}
