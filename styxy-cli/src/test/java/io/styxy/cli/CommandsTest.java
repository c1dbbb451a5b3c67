package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command that talks to the daemon, against a stand-in daemon. */
class CommandsTest {
    static final String TOKEN = "ab".repeat(32);
    static final String LEASE = "{\"lock_id\":\"L1\",\"port\":3000,\"protocol\":\"tcp\",\"service_type\":\"dev\","
            + "\"service_name\":\"web\",\"project_path\":\"/p\",\"instance_id\":\"cli\",\"owner\":{\"pid\":42,"
            + "\"start_time\":1},\"origin\":\"api\",\"created_at\":\"2026-11-25T10:00:00Z\",\"renewed_at\":null}";

    @TempDir
    Path tmp;
    FakeDaemon daemon;
    CliHarness cli;

    @BeforeEach
    void setUp() throws IOException {
        daemon = new FakeDaemon();
        cli = new CliHarness(tmp).port(daemon.port()).token(TOKEN);
    }

    @AfterEach
    void tearDown() {
        daemon.close();
    }

    // ------------------------------------------------------------------------------------------- allocate

    @Test
    void allocateSendsTheLeaseRequestWithTheToken() {
        daemon.on("POST", "/v1/leases", 201, "{\"lease\":" + LEASE + "}");
        var r = cli.run("allocate", "-s", "dev", "-n", "web", "-p", "3000", "--stable", "--pid", "42");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Leased port 3000").contains("dev \"web\"").contains("lock L1");
        FakeDaemon.Request req = daemon.last();
        assertThat(req.header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(req.header("Host")).isEqualTo("127.0.0.1:" + daemon.port());
        Map<String, Object> body = Json.parseObject(req.body());
        assertThat(body).containsEntry("service_type", "dev").containsEntry("service_name", "web")
                .containsEntry("preferred_port", 3000L).containsEntry("pid", 42L).containsEntry("stable", true)
                .containsEntry("instance_id", "cli").containsEntry("project_path", cli.cwd.toString());
    }

    @Test
    void allocateJsonPrintsOnlyTheDaemonsDocument() {
        daemon.on("POST", "/v1/leases", 201, "{\"lease\":" + LEASE + "}");
        var r = cli.run("allocate", "-s", "dev", "--json");
        assertThat(r.code()).isZero();
        assertThat(Json.obj(r.json().get("lease"))).containsEntry("port", 3000L);
    }

    @Test
    void allocateQuietPrintsThePortOnly() {
        daemon.on("POST", "/v1/leases", 201, "{\"lease\":" + LEASE + "}");
        var r = cli.run("allocate", "-s", "dev", "-q");
        assertThat(r.out()).isEqualTo("3000" + System.lineSeparator());
    }

    @Test
    void aReusedSingletonIsSuccess() {
        daemon.on("POST", "/v1/leases", 200, "{\"lease\":" + LEASE.replace("\"dev\"", "\"ai\"")
                + ",\"existing\":true}");
        var r = cli.run("allocate", "-s", "ai");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Reusing port 3000").contains("singleton");
        var j = cli.run("allocate", "-s", "ai", "--json");
        assertThat(j.code()).isZero();
        assertThat(j.json()).containsEntry("existing", true);
    }

    @Test
    void allocateDryRunAndAutoRange() {
        daemon.on("POST", "/v1/leases", 200, "{\"dry_run\":true,\"port\":3001,\"service_type\":\"dev\"}");
        var r = cli.run("allocate", "-s", "dev", "--dry-run");
        assertThat(r.out()).contains("Port 3001 is free for dev (dry run");
        assertThat(Json.parseObject(daemon.last().body())).containsEntry("dry_run", true);
        daemon.on("POST", "/v1/leases", 201, "{\"lease\":" + LEASE.replace("\"dev\"", "\"newt\"")
                + ",\"auto_range\":{\"port_range\":{\"start\":11510,\"end\":11519},\"chunk_size\":10,"
                + "\"placement\":\"after\"}}");
        r = cli.run("allocate", "-s", "newt");
        assertThat(r.out()).contains("New service type newt got the range 11510-11519");
    }

    @Test
    void allocateWithoutServiceIsAUsageError() {
        var r = cli.run("allocate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--service");
        assertThat(cli.run("allocate", "-s", "dev", "-p", "70000").code()).isEqualTo(2);
        assertThat(cli.run("allocate", "-s", "dev", "-p", "abc").code()).isEqualTo(2);
        assertThat(daemon.requests).isEmpty();
    }

    @Test
    void exhaustedRangeExitsFiveWithTheDaemonsMessage() {
        daemon.on("POST", "/v1/leases", 409, "{\"error\":{\"code\":\"EXHAUSTED\",\"message\":\"No free port in "
                + "dev (3000-3099)\",\"status\":409}}");
        var r = cli.run("allocate", "-s", "dev");
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.err()).contains("No free port in dev (3000-3099)");
        var j = cli.run("allocate", "-s", "dev", "--json");
        assertThat(j.code()).isEqualTo(5);
        assertThat(Json.obj(j.json().get("error"))).containsEntry("code", "EXHAUSTED").containsEntry("exit_code", 5L);
    }

    @Test
    void aRefusedTokenExitsSixAndSaysWhatToDo() {
        daemon.on("GET", "/v1/leases", 401, "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"bad token\","
                + "\"status\":401}}");
        var r = cli.run("list");
        assertThat(r.code()).isEqualTo(6);
        assertThat(r.err()).contains("bad token").contains("auth.token");
    }

    @Test
    void unreachableDaemonExitsThreeWithTheNextStep() throws IOException {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        cli.port(closed);
        var r = cli.run("check", "3000");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("Styxy daemon is not running").contains("Start it with: styxy daemon start");
        var j = cli.run("check", "3000", "--json");
        assertThat(j.code()).isEqualTo(3);
        assertThat(Json.obj(j.json().get("error"))).containsEntry("code", "DAEMON_UNREACHABLE");
    }

    @Test
    void somethingElseOnThePortIsNamedAsSuch() throws Exception {
        try (var s = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (var c = s.accept()) {
                    c.getInputStream().read(new byte[512]);
                    c.getOutputStream().write("SSH-2.0-OpenSSH\r\n".getBytes());
                } catch (IOException ignored) {
                    // test ends
                }
            });
            t.start();
            cli.port(s.getLocalPort());
            var r = cli.run("list");
            t.join(5000);
            assertThat(r.code()).isEqualTo(3);
            assertThat(r.err()).contains("does not look like a Styxy daemon");
        }
    }

    @Test
    void portComesFromDaemonJsonWhenTheEnvironmentHasNone() throws IOException {
        cli.env.remove("STYXY_DAEMON_PORT");
        java.nio.file.Files.writeString(cli.home.resolve("daemon.json"), "{\"pid\":" + ProcessHandle.current().pid()
                + ",\"http_port\":" + daemon.port() + ",\"socket\":\"/x\",\"version\":\"9\",\"started_at\":\"t\"}");
        daemon.on("GET", "/v1/leases", 200, "{\"leases\":[]}");
        assertThat(cli.run("list").out()).contains("No leases.");
    }

    @Test
    void badDaemonPortVariableIsAUsageError() {
        cli.env.put("STYXY_DAEMON_PORT", "nine");
        var r = cli.run("list");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("STYXY_DAEMON_PORT=nine");
    }

    // ------------------------------------------------------------------------------------------- release

    @Test
    void releaseByLockPortPidOrInstance() {
        daemon.on("DELETE", "/v1/leases/L1", 200, "{\"released\":[" + LEASE + "]}");
        daemon.on("DELETE", "/v1/leases?port=3000", 200, "{\"released\":[" + LEASE + "]}");
        daemon.on("DELETE", "/v1/leases?pid=42", 200, "{\"released\":[]}");
        daemon.on("DELETE", "/v1/leases?instance_id=a%20b", 200, "{\"released\":[]}");
        assertThat(cli.run("release", "L1").out()).contains("Released port 3000");
        assertThat(cli.run("release", "--port", "3000").out()).contains("Released port 3000");
        var r = cli.run("release", "--pid", "42");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Nothing to release");
        assertThat(cli.run("release", "--instance", "a b").code()).isZero();
        assertThat(cli.run("release", "--pid", "42", "--json").json()).containsKey("released");
    }

    @Test
    void releaseOfAnUnknownLockExitsFour() {
        daemon.on("DELETE", "/v1/leases/nope", 404, "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"No lease "
                + "nope\",\"status\":404}}");
        var r = cli.run("release", "nope");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("No lease nope");
    }

    @Test
    void releaseNeedsExactlyOneSelector() {
        assertThat(cli.run("release").code()).isEqualTo(2);
        assertThat(cli.run("release", "L1", "--port", "3000").code()).isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------------- check, scan, list

    @Test
    void checkShowsLeaseAndListeners() {
        daemon.on("GET", "/v1/ports/3000", 200, "{\"port\":3000,\"available\":false,\"lease\":" + LEASE
                + ",\"listeners\":[{\"protocol\":\"tcp\",\"family\":\"ipv6\",\"address\":\"::1\",\"port\":3000,"
                + "\"pid\":77,\"process\":\"node\",\"service_type\":\"dev\"}],\"quarantined\":false,\"held\":false,"
                + "\"bindable\":false}");
        var r = cli.run("check", "3000");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Port 3000: in use").contains("lease     dev \"web\", lock L1, pid 42")
                .contains("listener  tcp ::1:3000 pid 77 node (dev)").doesNotContain("undefined");
        assertThat(cli.run("check", "3000", "--json").json()).containsEntry("available", false);
    }

    @Test
    void checkFreePortAndBadPort() {
        daemon.on("GET", "/v1/ports/3001", 200, "{\"port\":3001,\"available\":true,\"lease\":null,\"listeners\":[]}");
        assertThat(cli.run("check", "3001").out()).contains("Port 3001: free");
        assertThat(cli.run("check", "0").code()).isEqualTo(2);
        assertThat(cli.run("check").code()).isEqualTo(2);
        assertThat(cli.run("check", "80x").code()).isEqualTo(2);
    }

    @Test
    void scanAsksForTheRange() {
        daemon.on("GET", "/v1/ports", 200, "{\"start\":8000,\"end\":8010,\"ports\":[{\"port\":8001,\"lease\":" + LEASE
                + ",\"listeners\":[]}]}");
        var r = cli.run("scan", "--start", "8000", "--end", "8010");
        assertThat(daemon.last().path()).isEqualTo("/v1/ports?start=8000&end=8010");
        assertThat(r.out()).contains("8001").contains("styxy");
        assertThat(cli.run("scan", "-s", "9000", "-e", "8000").code()).isEqualTo(2);
    }

    @Test
    void listFiltersAndShowsATable() {
        daemon.on("GET", "/v1/leases", 200, "{\"leases\":[" + LEASE + "]}");
        var r = cli.run("list", "--service", "dev", "-v");
        assertThat(daemon.last().path()).isEqualTo("/v1/leases?service_type=dev");
        assertThat(r.out()).contains("PORT").contains("PROJECT").contains("3000").contains("L1").contains("/p");
        assertThat(cli.run("list", "--json").json().get("leases")).asList().hasSize(1);
    }

    // ------------------------------------------------------------------------------------------- the rest

    @Test
    void suggestObserveInstancesCleanupWhere() {
        daemon.on("GET", "/v1/suggestions/dev", 200, "{\"service_type\":\"dev\",\"ports\":[3002,3003],"
                + "\"held_for_seconds\":30}");
        var r = cli.run("suggest", "dev", "-n", "2");
        assertThat(daemon.last().path()).isEqualTo("/v1/suggestions/dev?count=2");
        assertThat(r.out()).contains("3002, 3003").contains("30 s");

        daemon.on("GET", "/v1/listeners", 200, "{\"observer\":\"procfs\",\"listeners\":[{\"protocol\":\"udp\","
                + "\"address\":\"0.0.0.0\",\"port\":5353,\"pid\":9,\"process\":\"avahi\"}]}");
        assertThat(cli.run("observe", "--all").out()).contains("5353").contains("avahi").contains("procfs");
        assertThat(cli.run("observe").code()).isEqualTo(2);
        assertThat(cli.run("observe", "3000", "--all").code()).isEqualTo(2);

        daemon.on("GET", "/v1/instances", 200, "{\"instances\":[{\"instance_id\":\"i1\",\"pid\":5,"
                + "\"project_path\":\"/w\",\"last_heartbeat\":\"now\"}]}");
        assertThat(cli.run("instances").out()).contains("i1").contains("/w");

        daemon.on("POST", "/v1/cleanup", 200, "{\"released\":2}");
        assertThat(cli.run("cleanup", "--force").out()).contains("Released 2 leases.");
        assertThat(Json.parseObject(daemon.last().body())).containsEntry("force", true);

        daemon.on("GET", "/v1/reassignments", 200, "{\"reassignments\":[{\"id\":1,\"pid\":99,\"command\":\"vite\","
                + "\"asked_port\":3000,\"given_port\":3001,\"service_type\":\"dev\",\"lock_id\":\"L\",\"at\":\"t\"}]}");
        var w = cli.run("where", "3000");
        assertThat(daemon.last().path()).isEqualTo("/v1/reassignments?port=3000");
        assertThat(w.out()).contains("vite").contains("3001");
        assertThat(cli.run("where", "--json").json()).containsKey("reassignments");
    }

    @Test
    void eventsFollowsTheStream() {
        daemon.onChunked("GET", "/v1/events", 200, ": hello\n\nevent: lease.granted\ndata: {\"lease\":" + LEASE
                + "}\n\nevent: port.reassigned\ndata: {\"pid\":9,\"asked_port\":3000,\"given_port\":3001}\n\n");
        var r = cli.run("events", "--json");
        assertThat(r.out().lines()).hasSize(2);
        assertThat(Json.parseObject(r.out().lines().toList().getFirst())).containsEntry("event", "lease.granted");
        var human = cli.run("events", "--count", "1", "--type", "port.reassigned");
        assertThat(human.code()).isZero();
        assertThat(human.out()).contains("port.reassigned").contains("asked_port=3000").contains("given_port=3001");
    }

    @Test
    void anOlderDaemonIsServedThroughTheOriginalRoutes() {
        String noRoute = "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no route X\",\"status\":404}}";
        daemon.on("POST", "/v1/leases", 404, noRoute).on("DELETE", "/v1/leases/L9", 404, noRoute)
                .on("GET", "/v1/ports/3005", 404, noRoute).on("GET", "/v1/leases", 404, noRoute)
                .on("GET", "/v1/suggestions/dev", 404, noRoute);
        daemon.on("POST", "/allocate", 200, "{\"success\":true,\"port\":3005,\"lock_id\":\"L9\",\"message\":\"ok\"}");
        daemon.on("DELETE", "/allocate/L9", 200, "{\"success\":true,\"port\":3005}");
        daemon.on("GET", "/check/3005", 200, "{\"port\":3005,\"available\":false,\"allocated_to\":{\"port\":3005,"
                + "\"lockId\":\"L9\",\"serviceType\":\"dev\",\"process_id\":5},\"system_usage\":{\"listeners\":["
                + "{\"protocol\":\"tcp\",\"local_address\":\"127.0.0.1:3005\",\"pid\":5,\"process\":\"node\"}]}}");
        daemon.on("GET", "/allocations", 200, "{\"allocations\":[{\"port\":3005,\"lock_id\":\"L9\","
                + "\"service_type\":\"dev\"},{\"port\":8000,\"lock_id\":\"L8\",\"service_type\":\"api\"}]}");
        var a = cli.run("allocate", "-s", "dev", "--json");
        assertThat(a.code()).isZero();
        assertThat(Json.obj(a.json().get("lease"))).containsEntry("port", 3005L).containsEntry("lock_id", "L9");
        assertThat(cli.run("check", "3005").out()).contains("lock L9").contains("tcp 127.0.0.1:3005 pid 5 node");
        var l = cli.run("list", "--service", "dev");
        assertThat(l.out()).contains("L9").doesNotContain("L8");
        assertThat(cli.run("release", "L9").out()).contains("Released port 3005");
        var s = cli.run("suggest", "dev", "--json");
        assertThat(s.code()).isEqualTo(1);
        assertThat(Json.obj(s.json().get("error"))).containsEntry("code", "NO_ROUTE");
        assertThat(s.err()).contains("does not serve GET /v1/suggestions/dev").contains("styxy daemon restart");
    }

    @Test
    void unknownCommandSuggestsTheRightOne() {
        var r = cli.run("chekc", "3000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("chekc").contains("check");
    }

    @Test
    void versionWorksWithoutADaemon() {
        assertThat(cli.run("version").out()).startsWith("styxy ");
        assertThat(cli.run("--version").code()).isZero();
        assertThat(cli.run("version", "--json").json()).containsKey("version").containsKey("java");
    }

    @Test
    void noArgumentsPrintsTheHelp() {
        var r = cli.run();
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Commands:").contains("allocate");
        assertThat(cli.run("daemon").code()).isEqualTo(2);
    }
}
