package io.styxy.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServer;
import io.styxy.server.engine.Lease;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of malformed or hostile requests over a real socket: bad JSON, huge bodies, wrong types, path tricks,
 * NULs, overlong paths, bad Host and Origin, no or wrong token, wrong methods. Every answer must be a 4xx JSON
 * document, the server must stay up, and the ledger must be exactly as before.
 */
class HostileRequestsTest {

    private static final ApiFixture FIXTURE = new ApiFixture();
    private static WebServer server;
    private static int port;

    /** A request and why it is hostile. */
    private record Case(String what, byte[] bytes) {
    }

    @BeforeAll
    static void start() {
        server = FIXTURE.serve();
        port = server.port();
    }

    @AfterAll
    static void stop() {
        FIXTURE.stop(server);
    }

    private static String host() {
        return "127.0.0.1:" + port;
    }

    private static final String AUTH = "Authorization: Bearer " + ApiFixture.TOKEN + "\r\n";

    private static Case req(String what, String method, String path, String headers, String body) {
        StringBuilder b = new StringBuilder();
        b.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        b.append(headers);
        b.append("Connection: close\r\n");
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            b.append("Content-Length: ").append(payload.length).append("\r\n");
        }
        b.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(payload);
        return new Case(what, out.toByteArray());
    }

    private static Case authed(String what, String method, String path, String extraHeaders, String body) {
        return req(what, method, path, "Host: " + host() + "\r\n" + AUTH + extraHeaders, body);
    }

    private static Case json(String what, String method, String path, String body) {
        return authed(what, method, path, "Content-Type: application/json\r\n", body);
    }

    private static Case raw(String what, String text) {
        return new Case(what, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Every route, for the token and Host checks. */
    private static final String[][] ROUTES = {
            {"POST", "/allocate"}, {"DELETE", "/allocate/" + UUID.randomUUID()}, {"GET", "/check/3000"},
            {"GET", "/allocations"}, {"GET", "/config"}, {"GET", "/instance/list"}, {"POST", "/instance/register"},
            {"PUT", "/instance/x/heartbeat"}, {"POST", "/cleanup"}, {"GET", "/scan"}, {"GET", "/health"},
            {"GET", "/metrics"}, {"GET", "/audit"}, {"GET", "/circuit-breakers"}, {"GET", "/observe/3000"},
            {"GET", "/observe/all"}, {"GET", "/suggest/dev"}, {"POST", "/register-instance"},
            {"GET", "/observation-stats"}, {"GET", "/v1/status"}, {"POST", "/v1/leases"}, {"GET", "/v1/leases"},
            {"DELETE", "/v1/leases?port=3000"}, {"GET", "/v1/leases/" + UUID.randomUUID()},
            {"POST", "/v1/leases/" + UUID.randomUUID() + "/renew"}, {"DELETE", "/v1/leases/" + UUID.randomUUID()},
            {"POST", "/v1/groups"}, {"GET", "/v1/ports"}, {"GET", "/v1/ports/3000"}, {"GET", "/v1/listeners"},
            {"GET", "/v1/service-types"}, {"GET", "/v1/suggestions/dev"}, {"GET", "/v1/instances"},
            {"POST", "/v1/instances"}, {"PUT", "/v1/instances/x/heartbeat"}, {"GET", "/v1/reassignments"},
            {"GET", "/v1/events"}, {"POST", "/v1/cleanup"}, {"GET", "/v1/doctor"}, {"GET", "/v1/config"},
            {"POST", "/v1/config/validate"}, {"GET", "/v1/observe/health"}, {"GET", "/nothing/here"},
            {"POST", "/status"},
    };

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        Random random = new Random(20261125L);
        String validHost = "Host: " + host() + "\r\n";

        // 1. no token, wrong tokens
        String[] wrongAuth = {"", "Authorization: Bearer \r\n", "Authorization: Bearer wrong\r\n",
                "Authorization: Basic dXNlcjpwYXNz\r\n", "Authorization: Bearer " + ApiFixture.TOKEN + "x\r\n",
                "Authorization: Bearer " + ApiFixture.TOKEN.substring(0, 63) + "\r\n",
                "X-API-Key: " + ApiFixture.TOKEN.toUpperCase() + "\r\n", "Authorization: " + "A".repeat(4000) + "\r\n"};
        for (String[] route : ROUTES) {
            for (String auth : wrongAuth) {
                cases.add(req("bad token " + auth.length() + " on " + route[0] + " " + route[1], route[0], route[1],
                        validHost + auth + "Content-Type: application/json\r\n",
                        route[0].equals("POST") ? "{\"service_type\":\"dev\"}" : null));
            }
        }
        // 2. bad Host, bad Origin, cross-site fetches (with the right token)
        String[] badHosts = {"evil.example:" + port, "127.0.0.1:1", "localhost", "127.0.0.1", "[::2]:" + port,
                "localhost.evil.example:" + port, "127.0.0.1:" + port + "@evil", "0.0.0.0:" + port,
                "127.0.0.2:" + port, ""};
        for (String[] route : ROUTES) {
            String h = badHosts[random.nextInt(badHosts.length)];
            cases.add(req("bad host " + h + " on " + route[1], route[0], route[1], "Host: " + h + "\r\n" + AUTH,
                    null));
            String o = new String[]{"https://evil.example", "null", "http://127.0.0.1:1", "http://localhost",
                    "file://", "http://localhost:" + port + ".evil"}[random.nextInt(6)];
            cases.add(req("bad origin " + o + " on " + route[1], route[0], route[1],
                    validHost + AUTH + "Origin: " + o + "\r\n", null));
            cases.add(req("cross-site fetch on " + route[1], route[0], route[1],
                    validHost + AUTH + "Sec-Fetch-Site: cross-site\r\n", null));
        }
        cases.add(req("no host at all", "GET", "/v1/status", AUTH, null));
        cases.add(req("two hosts", "GET", "/v1/status", "Host: evil.example\r\n" + validHost + AUTH, null));

        // 3. path tricks
        String[] paths = {"/allocate/../config", "/./status", "/allocate/%2e%2e/config", "/allocate/%2E%2E%2Fconfig",
                "/v1/leases/%00", "/check/%00", "/check/3000%00", "//status", "//v1//leases", "/check/3000%2f..",
                "/v1/leases/..%2f..%2fetc%2fpasswd", "/allocations\\..\\config", "/check/%zz", "/check/%",
                "/check/%e2%82", "/v1/ports/-1", "/v1/ports/99999999999999999999", "/check/3000abc",
                "/v1/leases/" + "a".repeat(3000), "/" + "x/".repeat(2000), "/v1/suggestions/" + "%41".repeat(500),
                "/observe/../../etc/passwd", "/v1/leases/../../config", "/v1/ports/3000/..", "/check/ 3000",
                "/check/\t3000", "/v1/leases?pid=../../1", "/v1/leases?port=%00", "/scan?start=-1",
                "/scan?start=9&end=1", "/scan?start=1&end=99999", "/v1/ports?start=abc", "/suggest/dev?count=-1",
                "/suggest/dev?count=1e3", "/v1/suggestions/dev?count=100000", "/audit?limit=0",
                "/metrics?format=%00", "/v1/leases?pid=0", "/v1/leases/not-a-uuid", "/allocate/not-a-uuid",
                "/v1/leases/" + UUID.randomUUID() + "/renew/extra", "/instance/a b/heartbeat",
                "/instance/" + "i".repeat(200) + "/heartbeat", "/v1/instances/%2e%2e/heartbeat",
                "/v1/reassignments?port=0", "/v1/reassignments?port=x", "*", "http://evil.example/v1/status",
                "/v1/leases#frag", "/check/３０００"};
        for (String path : paths) {
            String method = path.contains("heartbeat") ? "PUT" : path.startsWith("/allocate/") ? "DELETE"
                    : path.endsWith("/renew/extra") ? "POST" : "GET";
            cases.add(authed("path " + path.substring(0, Math.min(60, path.length())), method, path, "", null));
        }

        // 4. bodies: bad JSON, wrong types, wrong shapes, on every route that takes one
        String[] postRoutes = {"/allocate", "/instance/register", "/cleanup", "/register-instance", "/v1/leases",
                "/v1/groups", "/v1/instances", "/v1/cleanup"};
        String[] badBodies = {"{", "}", "[", "{\"a\":", "nul", "{\"service_type\":\"dev\"} x", "[1,2,3]", "\"str\"",
                "42", "true", "null", "{'service_type':'dev'}", "{\"service_type\":\"dev\",}",
                "{\"service_type\":\u0000}", "\u0000\u0001\u0002", "{\"service_type\":\"dev\" \"x\":1}",
                "{\"force\":\"yes\"}", "{\"force\":1}", "{\"service_type\":[\"dev\"]}", "{\"service_type\":{}}",
                "{\"service_type\":\"dev\",\"preferred_port\":\"abc\"}",
                "{\"service_type\":\"dev\",\"preferred_port\":70000}",
                "{\"service_type\":\"dev\",\"preferred_port\":-1}",
                "{\"service_type\":\"dev\",\"preferred_port\":3000.5}",
                "{\"service_type\":\"dev\",\"preferred_port\":1e400}",
                "{\"service_type\":\"dev\",\"pid\":\"me\"}", "{\"service_type\":\"dev\",\"pid\":99999999999}",
                "{\"service_type\":\"dev\",\"service_name\":\"bad name\"}",
                "{\"service_type\":\"dev\",\"instance_id\":\"../../x\"}",
                "{\"service_type\":\"dev\",\"project_path\":\"" + "p".repeat(1500) + "\"}",
                "{\"service_type\":\"" + "t".repeat(60) + "\"}", "{\"service_type\":\"dev\\u0000x\"}",
                "{\"service_type\":\"dev\",\"dry_run\":\"perhaps\"}", "{\"service_type\":\"dev\",\"protocol\":7}",
                "{\"instance_id\":{}}", "{\"instance_id\":\"\"}", "{\"instance_id\":\"x\",\"metadata\":\"m\"}",
                "{\"leases\":\"many\"}", "{\"leases\":[{\"service_type\":\"dev\",\"dry_run\":true}]}",
                "{\"leases\":[" + "{\"service_type\":\"dev\"},".repeat(40) + "{\"service_type\":\"dev\"}]}",
                "[".repeat(5000) + "]".repeat(5000), "{\"a\":" .repeat(100) + "1" + "}".repeat(100),
                "{\"service_type\":\"dev\",\"metadata\":{" + "\"k%d\":1,".repeat(1).replace("%d", "0") + "\"z\":1}}x"};
        for (String route : postRoutes) {
            for (String body : badBodies) {
                if (isValidFor(route, body)) {
                    continue;
                }
                cases.add(json("body " + body.substring(0, Math.min(40, body.length())) + " on " + route, "POST",
                        route, body));
            }
        }
        // invalid UTF-8 in a body
        for (String route : postRoutes) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            String head = "POST " + route + " HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                    + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: 24\r\n\r\n";
            b.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(new byte[]{'{', '"', 's', 'e', 'r', 'v', 'i', 'c', 'e', '_', 't', 'y', 'p', 'e', '"', ':',
                    '"', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, '"', '}', ' ', ' '});
            cases.add(new Case("invalid utf-8 on " + route, b.toByteArray()));
        }

        // 5. sizes
        String big = "{\"service_type\":\"dev\",\"pad\":\"" + "x".repeat(12 * 1024) + "\"}";
        for (String route : postRoutes) {
            cases.add(json("12 KB body on " + route, "POST", route, big));
        }
        cases.add(json("70 KB config", "POST", "/v1/config/validate", "{\"x\":\"" + "y".repeat(70 * 1024) + "\"}"));
        cases.add(raw("declared 1 GB", "POST /v1/leases HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                + "Content-Type: application/json\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\n{"));
        StringBuilder chunked = new StringBuilder("POST /allocate HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < 20; i++) {
            chunked.append("400\r\n").append("x".repeat(1024)).append("\r\n");
        }
        chunked.append("0\r\n\r\n");
        cases.add(raw("20 KB chunked", chunked.toString()));
        cases.add(raw("negative length", "POST /allocate HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                + "Content-Length: -5\r\nConnection: close\r\n\r\n"));
        cases.add(raw("header bomb", "GET /v1/status HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                + "X-Pad: " + "p".repeat(20_000) + "\r\nConnection: close\r\n\r\n"));
        cases.add(raw("many headers", "GET /v1/status HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                + "X-A: 1\r\n".repeat(5000) + "Connection: close\r\n\r\n"));

        // 6. content types
        for (String ct : new String[]{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                "application/xml", "text/html"}) {
            for (String route : new String[]{"/allocate", "/v1/leases", "/v1/groups", "/v1/config/validate"}) {
                cases.add(authed(ct + " on " + route, "POST", route, "Content-Type: " + ct + "\r\n",
                        "service_type=dev"));
            }
        }

        // 7. wrong methods
        String[] methods = {"PUT", "PATCH", "DELETE", "POST", "TRACE", "OPTIONS", "FOO", "GETT"};
        for (String[] route : ROUTES) {
            String path = route[1];
            for (int i = 0; i < 2; i++) {
                String m = methods[random.nextInt(methods.length)];
                if (m.equals(route[0]) || allowedElsewhere(m, path)) {
                    continue;
                }
                cases.add(authed("method " + m + " on " + path, m, path, "", null));
            }
        }

        // 8. requests that name nothing live (they must not change anything)
        for (int i = 0; i < 10; i++) {
            String id = UUID.randomUUID().toString();
            cases.add(authed("release unknown", "DELETE", "/allocate/" + id, "", null));
            cases.add(authed("v1 release unknown", "DELETE", "/v1/leases/" + id, "", null));
            cases.add(authed("renew unknown", "POST", "/v1/leases/" + id + "/renew", "", null));
            cases.add(authed("heartbeat unknown", "PUT", "/instance/ghost-" + i + "/heartbeat", "", null));
        }

        // 9. not HTTP at all
        cases.add(raw("garbage line", "HELLO\r\n\r\n"));
        cases.add(raw("bad version", "GET /v1/status HTTP/9.9\r\nHost: " + host() + "\r\n\r\n"));
        cases.add(raw("no version", "GET /v1/status\r\nHost: " + host() + "\r\n\r\n"));
        cases.add(raw("bad header line", "GET /v1/status HTTP/1.1\r\nHost: " + host() + "\r\nNoColonHere\r\n\r\n"));
        cases.add(raw("space in header name", "GET /v1/status HTTP/1.1\r\nHost : " + host() + "\r\n\r\n"));
        cases.add(raw("control chars", "GET /v1/st\u0001atus HTTP/1.1\r\nHost: " + host() + "\r\n\r\n"));
        cases.add(raw("overlong request line", "GET /" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: " + host()
                + "\r\n\r\n"));
        return cases;
    }

    /**
     * Cleanup takes any object whose {@code force}, if present, is a boolean: a body that parses as an object
     * without {@code force} is a valid request there, not a hostile one.
     */
    private static boolean isValidFor(String route, String body) {
        if (!route.endsWith("/cleanup")) {
            return false;
        }
        try {
            JsonNode node = ApiClient.JSON.readTree(body);
            return node != null && node.isObject() && !node.has("force");
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean allowedElsewhere(String method, String path) {
        String p = path.replaceAll("\\?.*", "");
        for (String[] r : ROUTES) {
            if (r[0].equals(method) && r[1].replaceAll("\\?.*", "").equals(p)) {
                return true;
            }
        }
        return (method.equals("DELETE") && p.equals("/v1/leases")) || (method.equals("GET") && p.equals(
                "/v1/leases")) || (method.equals("POST") && p.equals("/v1/leases"));
    }

    @Test
    void everyHostileRequestGetsA4xxJsonAnswerAndChangesNothing() throws Exception {
        // Some state to protect.
        FIXTURE.edges.processes.start(5151);
        String live1 = FIXTURE.engine.allocate(io.styxy.server.engine.AllocationRequest.of("dev")).port() > 0
                ? "ok" : "";
        assertThat(live1).isEqualTo("ok");
        FIXTURE.engine.allocate(io.styxy.server.engine.AllocationRequest.of("api").withOwner(5151L));
        FIXTURE.engine.registerInstance("keeper", "/w", null);
        List<Lease> before = FIXTURE.engine.leases();
        var instancesBefore = FIXTURE.engine.instances();

        List<Case> cases = cases();
        assertThat(cases.size()).isGreaterThanOrEqualTo(500);
        List<String> problems = new ArrayList<>();
        for (Case c : cases) {
            RawHttp.Answer a = RawHttp.send(port, c.bytes());
            String why = c.what() + " -> " + a.status() + " " + a.body().substring(0, Math.min(200, a.body()
                    .length()));
            if (a.status() < 400 || a.status() > 499) {
                problems.add("not 4xx: " + why);
                continue;
            }
            if (!a.contentType().startsWith("application/json")) {
                problems.add("not JSON: " + why + " [" + a.contentType() + "]");
                continue;
            }
            try {
                JsonNode j = ApiClient.JSON.readTree(a.body());
                boolean v1 = j.path("error").isObject() && j.path("error").path("code").isTextual();
                boolean legacy = j.path("success").isBoolean() && j.path("error").isTextual()
                        && j.path("code").isTextual();
                if (!v1 && !legacy) {
                    problems.add("no error envelope: " + why);
                }
                if (a.body().contains("\tat ") || a.body().contains("Exception")) {
                    problems.add("stack trace: " + why);
                }
            } catch (Exception e) {
                problems.add("unparseable JSON: " + why);
            }
        }
        assertThat(problems).as(problems.size() + " of " + cases.size() + " cases").isEmpty();

        // Still up, still the same.
        RawHttp.Answer status = RawHttp.send(port, "GET /v1/status HTTP/1.1\r\nHost: " + host() + "\r\n" + AUTH
                + "Connection: close\r\n\r\n");
        assertThat(status.status()).isEqualTo(200);
        assertThat(FIXTURE.engine.leases()).isEqualTo(before);
        assertThat(FIXTURE.engine.instances()).isEqualTo(instancesBefore);
        System.out.println("hostile requests sent: " + cases.size());
    }
}
