package io.styxy.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.SetCookie;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser page's login, session cookie and routes over a real socket, configured as the daemon configures its
 * server: one-time codes, the cookie's flags, what the cookie may and may not do, the page's headers, and that no
 * served byte holds the token.
 */
@ServerTest
class UiRoutesTest {

    static final ApiFixture FIXTURE = new ApiFixture();

    final Http1Client client;
    final ApiClient api;

    UiRoutesTest(Http1Client client, WebServer server) {
        this.client = client;
        FIXTURE.port = server.port();
        this.api = new ApiClient(client, FIXTURE);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        FIXTURE.api.configure(server, false);
    }

    @BeforeEach
    void cleanSlate() {
        FIXTURE.reset();
    }

    /** An answer with every Set-Cookie kept. */
    record Res(int status, Map<String, String> headers, List<String> setCookies, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonNode json() {
            try {
                return ApiClient.JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** A request as a browser would send it: no token, redirects not followed, the given headers. */
    Res browser(Method method, String pathAndQuery, Map<String, String> headers) {
        int q = pathAndQuery.indexOf('?');
        Http1ClientRequest req = client.method(method).followRedirects(false)
                .path(q < 0 ? pathAndQuery : pathAndQuery.substring(0, q));
        if (q >= 0) {
            for (String pair : pathAndQuery.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                req.queryParam(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Host", "127.0.0.1:" + FIXTURE.port);
        all.putAll(headers);
        all.forEach((k, v) -> req.header(HeaderNames.create(k), v));
        try (Http1ClientResponse res = req.request()) {
            Map<String, String> h = new LinkedHashMap<>();
            List<String> cookies = new ArrayList<>();
            res.headers().forEach(header -> {
                h.put(header.name().toLowerCase(Locale.ROOT), header.get());
                if (header.name().equalsIgnoreCase("Set-Cookie")) {
                    cookies.addAll(header.allValues());
                }
            });
            String text = res.entity().hasEntity() ? res.as(String.class) : "";
            return new Res(res.status().code(), h, cookies, text);
        }
    }

    Res browser(Method method, String path) {
        return browser(method, path, Map.of());
    }

    String cookieName() {
        return UiGate.COOKIE_PREFIX + FIXTURE.port;
    }

    /** Asks for a login link with the token, as {@code styxy ui} does; answers the code. */
    String loginCode() {
        ApiClient.Resp r = api.post("/v1/ui/login-links", "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String url = r.json().path("url").asText();
        assertThat(url).startsWith("http://127.0.0.1:" + FIXTURE.port + "/ui/login?code=");
        assertThat(r.json().path("expires_in").asInt()).isEqualTo(60);
        return url.substring(url.indexOf("code=") + 5);
    }

    /** Logs a "browser" in: answers the session cookie as the browser would send it back. */
    String login() {
        Res r = browser(Method.GET, "/ui/login?code=" + loginCode(), Map.of("Sec-Fetch-Site", "none"));
        assertThat(r.status()).as(r.body()).isEqualTo(303);
        SetCookie c = SetCookie.parse(r.setCookies().getFirst());
        return c.name() + "=" + c.value();
    }

    Map<String, String> withCookie(String cookie, String... more) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Cookie", cookie);
        for (int i = 0; i < more.length; i += 2) {
            h.put(more[i], more[i + 1]);
        }
        return h;
    }

    // ================================================================== login

    @Test
    void aLoginLinkNeedsTheToken() {
        ApiClient.Resp anonymous = api.anonymous(Method.POST, "/v1/ui/login-links");
        assertThat(anonymous.status()).isEqualTo(401);
        String cookie = login();
        Res withCookie = browser(Method.POST, "/v1/ui/login-links", withCookie(cookie, "Origin",
                "http://127.0.0.1:" + FIXTURE.port, "Sec-Fetch-Site", "same-origin"));
        assertThat(withCookie.status()).as("a session cannot mint more sessions").isEqualTo(401);
    }

    @Test
    void theCodeSetsAStrictHttpOnlySessionCookieAndRedirectsToThePage() {
        Res r = browser(Method.GET, "/ui/login?code=" + loginCode(), Map.of("Sec-Fetch-Site", "none"));
        assertThat(r.status()).isEqualTo(303);
        assertThat(r.header("Location")).isEqualTo("/ui/");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.setCookies()).hasSize(1);
        String raw = r.setCookies().getFirst();
        SetCookie c = SetCookie.parse(raw);
        assertThat(c.name()).isEqualTo(cookieName());
        assertThat(c.value()).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(ApiFixture.TOKEN);
        assertThat(raw).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict")
                .contains("Path=/").doesNotContainIgnoringCase("Domain=").doesNotContain(ApiFixture.TOKEN);
        assertThat(c.httpOnly()).isTrue();
        assertThat(c.sameSite()).contains(SetCookie.SameSite.STRICT);
        assertThat(c.path()).contains("/");

        Res page = browser(Method.GET, "/ui/", withCookie(c.name() + "=" + c.value()));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("<main").contains("/ui/assets/app.js");
    }

    @Test
    void aCodeWorksOnceThenTheBrowserIsToldItWasUsed() {
        String code = loginCode();
        assertThat(browser(Method.GET, "/ui/login?code=" + code).status()).isEqualTo(303);
        Res again = browser(Method.GET, "/ui/login?code=" + code);
        assertThat(again.status()).isEqualTo(410);
        assertThat(again.setCookies()).isEmpty();
        assertThat(again.header("Content-Type")).startsWith("text/html");
        assertThat(again.body()).contains("already been used").contains("styxy ui");
    }

    @Test
    void anUnknownOrMissingCodeIsAClearPageWithoutASession() {
        for (String path : List.of("/ui/login?code=nope", "/ui/login")) {
            Res r = browser(Method.GET, path);
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.setCookies()).isEmpty();
            assertThat(r.body()).contains("not valid").contains("styxy ui");
        }
    }

    @Test
    void aLoginLinkOpenedFromAnotherSiteIsRefused() {
        Res r = browser(Method.GET, "/ui/login?code=" + loginCode(), Map.of("Sec-Fetch-Site", "cross-site"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.setCookies()).isEmpty();
    }

    @Test
    void logoutEndsTheSessionAndClearsTheCookie() {
        String cookie = login();
        Res out = browser(Method.POST, "/ui/logout", withCookie(cookie, "Origin", "http://127.0.0.1:" + FIXTURE.port,
                "Sec-Fetch-Site", "same-origin"));
        assertThat(out.status()).isEqualTo(303);
        assertThat(out.setCookies().getFirst()).startsWith(cookieName() + "=;").contains("Expires=Thu, 1 Jan 1970");
        assertThat(browser(Method.GET, "/v1/overview", withCookie(cookie)).status()).isEqualTo(401);
        assertThat(browser(Method.GET, "/ui/", withCookie(cookie)).status()).isEqualTo(401);
    }

    // ================================================================== what the cookie may do

    @Test
    void withoutASessionThePageSaysHowToLogIn() {
        Res r = browser(Method.GET, "/ui/");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("Content-Type")).startsWith("text/html");
        assertThat(r.body()).contains("styxy ui").contains("--print-url").doesNotContain("app.js");
        assertThat(browser(Method.GET, "/ui/", withCookie(cookieName() + "=forged")).status()).isEqualTo(401);
        assertThat(browser(Method.GET, "/ui").header("Location")).isEqualTo("/ui/");
    }

    @Test
    void theCookieOpensTheV1ApiButNotTheLegacyRoutes() {
        String cookie = login();
        Res overview = browser(Method.GET, "/v1/overview", withCookie(cookie, "Sec-Fetch-Site", "same-origin"));
        assertThat(overview.status()).as(overview.body()).isEqualTo(200);
        assertThat(browser(Method.GET, "/v1/leases", withCookie(cookie)).status()).isEqualTo(200);
        assertThat(browser(Method.GET, "/allocations", withCookie(cookie)).status()).isEqualTo(401);
        assertThat(browser(Method.GET, "/v1/overview", withCookie(cookieName() + "=forged")).status())
                .isEqualTo(401);
        assertThat(browser(Method.GET, "/v1/overview", withCookie(UiGate.COOKIE_PREFIX + "1=" + cookie
                .substring(cookie.indexOf('=') + 1))).status()).as("another daemon's cookie name").isEqualTo(401);
    }

    @Test
    void aReleaseWithTheCookieNeedsThePagesOwnOrigin() {
        String cookie = login();
        String self = "http://127.0.0.1:" + FIXTURE.port;
        String lockId = allocate();

        Res noOrigin = browser(Method.DELETE, "/v1/leases/" + lockId, withCookie(cookie));
        assertThat(noOrigin.status()).isEqualTo(403);
        assertThat(noOrigin.json().path("error").path("code").asText()).isEqualTo("FORBIDDEN_ORIGIN");

        Res crossSite = browser(Method.DELETE, "/v1/leases/" + lockId, withCookie(cookie, "Origin",
                "https://evil.example", "Sec-Fetch-Site", "cross-site"));
        assertThat(crossSite.status()).isEqualTo(403);

        Res otherPort = browser(Method.DELETE, "/v1/leases/" + lockId, withCookie(cookie, "Origin",
                "http://127.0.0.1:3000", "Sec-Fetch-Site", "same-site"));
        assertThat(otherPort.status()).as("a dev server on another port of this host").isEqualTo(403);

        Res sameSiteGet = browser(Method.GET, "/v1/leases", withCookie(cookie, "Sec-Fetch-Site", "same-site"));
        assertThat(sameSiteGet.status()).as("reads from another port are refused too").isEqualTo(403);

        assertThat(FIXTURE.engine.lease(lockId)).isPresent();

        Res fromThePage = browser(Method.DELETE, "/v1/leases/" + lockId, withCookie(cookie, "Origin", self,
                "Sec-Fetch-Site", "same-origin"));
        assertThat(fromThePage.status()).as(fromThePage.body()).isEqualTo(200);
        assertThat(FIXTURE.engine.lease(lockId)).isEmpty();
    }

    @Test
    void theTokenStillWorksWithOrWithoutACookie() {
        String cookie = login();
        ApiClient.Resp r = api.send(Method.GET, "/v1/overview", null, Map.of("Cookie", cookie), true);
        assertThat(r.status()).isEqualTo(200);
        ApiClient.Resp wrong = api.send(Method.GET, "/v1/overview", null, Map.of("Cookie", cookie,
                "Authorization", "Bearer wrong"), false);
        assertThat(wrong.status()).as("a wrong token is not rescued by a cookie").isEqualTo(401);
    }

    // ================================================================== the page's files

    @Test
    void everyPageAndAssetCarriesTheSecurityHeaders() {
        String cookie = login();
        for (String path : List.of("/ui/", "/ui/assets/app.js", "/ui/assets/app.css", "/ui/assets/favicon.svg",
                "/ui/nothing-here", "/ui/login?code=x")) {
            Res r = browser(Method.GET, path, withCookie(cookie));
            assertThat(r.header("Content-Security-Policy")).as(path).contains("default-src 'self'")
                    .contains("script-src 'self'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval")
                    .contains("frame-ancestors 'none'");
            assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(r.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            assertThat(r.header("Cache-Control")).as(path).isEqualTo("no-store");
        }
        assertThat(browser(Method.GET, "/ui/assets/app.js").header("Content-Type")).startsWith("text/javascript");
        assertThat(browser(Method.GET, "/ui/assets/app.css").header("Content-Type")).startsWith("text/css");
        assertThat(browser(Method.GET, "/ui/assets/nope.js").status()).isEqualTo(404);
    }

    @Test
    void noServedByteHoldsTheTokenAndThePageHasNoInlineScript() {
        String cookie = login();
        for (String path : List.of("/ui/", "/ui/assets/app.js", "/ui/assets/app.css", "/ui/assets/favicon.svg",
                "/ui/login?code=x", "/ui/nothing")) {
            assertThat(browser(Method.GET, path, withCookie(cookie)).body()).as(path)
                    .doesNotContain(ApiFixture.TOKEN);
            assertThat(browser(Method.GET, path).body()).as(path).doesNotContain(ApiFixture.TOKEN);
        }
        for (String name : UiRoutes.resourceNames()) {
            String text = new String(UiRoutes.resource(name), StandardCharsets.UTF_8);
            assertThat(text).as(name).doesNotContain(ApiFixture.TOKEN).doesNotContainIgnoringCase("auth.token")
                    .doesNotContain("localStorage");
            if (name.endsWith(".html")) {
                assertThat(text).as(name + ": scripts only from files").doesNotContainPattern("<script(?![^>]*src=)")
                        .doesNotContainPattern("\\son[a-z]+=").doesNotContain("style=");
            }
        }
        assertThat(new String(UiRoutes.resource("app.js"), StandardCharsets.UTF_8)).doesNotContain("innerHTML")
                .doesNotContain("eval(");
    }

    // ================================================================== GET /v1/overview

    String allocate() {
        ApiClient.Resp r = api.post("/v1/leases", "{\"service_type\":\"dev\",\"service_name\":\"web\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("lease").path("lock_id").asText();
    }

    @Test
    void theOverviewHasRangesLeasesListenersQuarantineAndMoves() {
        FIXTURE.edges.processes.start(4242, 77, "node /work/app/server.js --port 3000");
        ApiClient.Resp granted = api.post("/v1/leases", "{\"service_type\":\"dev\",\"service_name\":\"web\","
                + "\"pid\":4242,\"project_path\":\"/work/app\"}");
        assertThat(granted.status()).as(granted.body()).isEqualTo(201);
        int leasedPort = granted.json().path("lease").path("port").asInt();
        FIXTURE.listen(new Listener(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", 3005, 999,
                "python3", "python3 -m http.server 3005", "/tmp", "1000", 1));
        FIXTURE.edges.processes.start(5151, 88, "vite --port 3010");
        var move = FIXTURE.engine.reassign(5151, 3010, Protocol.TCP, null);
        FIXTURE.edges.processes.start(6161, 99, "node other.js");
        ApiClient.Resp doomed = api.post("/v1/leases", "{\"service_type\":\"api\",\"pid\":6161}");
        int quarantinedPort = doomed.json().path("lease").path("port").asInt();
        FIXTURE.edges.probe.busy(quarantinedPort);
        FIXTURE.edges.processes.kill(6161);
        FIXTURE.engine.sweep();
        try {
            ApiClient.Resp r = api.get("/v1/overview");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode o = r.json();
            assertThat(o.path("version").asText()).isEqualTo("0.1.0-test");
            assertThat(o.path("observer").asText()).isEqualTo("fake");

            JsonNode dev = find(o.path("service_types"), "name", "dev");
            assertThat(dev.path("port_range").path("start").asInt()).isEqualTo(3000);
            assertThat(dev.path("size").asInt()).isEqualTo(100);
            assertThat(dev.path("occupancy").path("leased").asInt()).isEqualTo(2);
            assertThat(dev.path("occupancy").path("foreign").asInt()).isEqualTo(1);
            assertThat(dev.path("occupancy").path("free").asInt()).isEqualTo(97);
            assertThat(find(dev.path("ports"), "port", leasedPort).path("state").asText()).isEqualTo("leased");
            assertThat(find(dev.path("ports"), "port", 3005).path("state").asText()).isEqualTo("foreign");

            JsonNode api = find(o.path("service_types"), "name", "api");
            assertThat(api.path("occupancy").path("quarantined").asInt()).isEqualTo(1);
            assertThat(find(api.path("ports"), "port", quarantinedPort).path("state").asText())
                    .isEqualTo("quarantined");
            assertThat(o.path("quarantined_ports").get(0).asInt()).isEqualTo(quarantinedPort);

            JsonNode lease = find(o.path("leases"), "port", leasedPort);
            assertThat(lease.path("service_name").asText()).isEqualTo("web");
            assertThat(lease.path("project_path").asText()).isEqualTo("/work/app");
            assertThat(lease.path("owner").path("pid").asLong()).isEqualTo(4242);
            assertThat(lease.path("age_seconds").isNumber()).isTrue();
            assertThat(lease.has("owner_command")).isTrue();

            JsonNode listener = find(o.path("listeners"), "port", 3005);
            assertThat(listener.path("command").asText()).isEqualTo("python3 -m http.server 3005");
            assertThat(listener.path("lease_lock_id").isNull()).isTrue();

            JsonNode feed = o.path("reassignments").get(0);
            assertThat(feed.path("asked_port").asInt()).isEqualTo(3010);
            assertThat(feed.path("given_port").asInt()).isEqualTo(move.givenPort());
            assertThat(feed.path("command").asText()).isEqualTo("vite --port 3010");
        } finally {
            FIXTURE.edges.probe.free(quarantinedPort);
        }
    }

    static JsonNode find(JsonNode array, String field, Object value) {
        for (JsonNode n : array) {
            if (n.path(field).asText().equals(String.valueOf(value))) {
                return n;
            }
        }
        throw new AssertionError("no " + field + "=" + value + " in " + array);
    }
}
