package io.styxy.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.Reassignment;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The live port map in the browser: the page itself (plain HTML, CSS and JavaScript kept in this module, under
 * {@code io/styxy/server/ui/}), its one-time login, and the one read-only {@code /v1} route it needs beyond the rest
 * of the API ({@code GET /v1/overview}).
 *
 * <p>Login: {@code POST /v1/ui/login-links} (token only) answers a link with a random code that works once, within
 * a minute; {@code GET /ui/login?code=…} spends it, sets the session cookie ({@link UiGate}) and sends the browser to
 * {@code /ui/}. The token never appears in a URL, a page or a script.
 *
 * <p>The resources sit in a package of this named module that is neither exported nor opened: they are read
 * through this class, that is by the module itself, which encapsulation always allows.
 */
final class UiRoutes {

    static final String RESOURCES = "/io/styxy/server/ui/";
    static final int FEED_LIMIT = 50;
    private static final int MAX_COMMAND = 400;

    /** What the page may load, and from where: itself only; no inline script or style, no frames. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
            + " frame-ancestors 'none'";

    private record Asset(String type, byte[] bytes) {
    }

    private final ApiContext ctx;
    private final Engine engine;
    private final UiGate gate;
    private final Map<String, Asset> assets = new HashMap<>();
    private final byte[] page;
    private final String messageTemplate;

    UiRoutes(ApiContext ctx, UiGate gate) {
        this.ctx = ctx;
        this.engine = ctx.engine();
        this.gate = gate;
        assets.put("app.js", new Asset("text/javascript; charset=utf-8", resource("app.js")));
        assets.put("app.css", new Asset("text/css; charset=utf-8", resource("app.css")));
        assets.put("favicon.svg", new Asset("image/svg+xml", resource("favicon.svg")));
        this.page = resource("index.html");
        this.messageTemplate = new String(resource("message.html"), StandardCharsets.UTF_8);
    }

    /** Reads one of the page's files from this module. */
    static byte[] resource(String name) {
        try (InputStream in = UiRoutes.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the daemon's jar lacks " + RESOURCES + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file of the page, by name (tests check that none holds the token). */
    static List<String> resourceNames() {
        return List.of("index.html", "message.html", "app.js", "app.css", "favicon.svg");
    }

    void register(Routes r) {
        r.post(UiGate.LOGIN_LINKS, this::loginLink)
                .get("/v1/overview", this::overview)
                .get("/ui", this::toPage)
                .get("/ui/", this::page)
                .get("/ui/login", this::login)
                .post("/ui/logout", this::logout)
                .get("/ui/assets/{name}", this::asset)
                .get("/ui/*", this::notFound);
    }

    // ------------------------------------------------------------------ login

    private void loginLink(ServerRequest req, ServerResponse res) {
        String code = gate.sessions().issueCode();
        String url = "http://127.0.0.1:" + ctx.httpPort().getAsInt() + "/ui/login?code=" + code;
        ctx.audit().record("UI_LOGIN_LINK", Map.of("user_agent", Requests.userAgent(req)));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Json.send(res, Status.CREATED_201, Json.obj("url", url, "expires_in", UiSessions.CODE_TTL.toSeconds()));
    }

    private void login(ServerRequest req, ServerResponse res) {
        String code = req.query().first("code").orElse("");
        switch (gate.sessions().redeem(code)) {
            case UiSessions.Redemption.Granted g -> {
                ctx.audit().record("UI_LOGIN", Map.of("user_agent", Requests.userAgent(req)));
                pageHeaders(res);
                res.headers().addCookie(gate.sessionCookie(g.id()));
                res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, "/ui/").send();
            }
            case UiSessions.Redemption.Used u -> message(req, res, Status.GONE_410, "Login link already used",
                    "This login link has already been used.",
                    "Each link logs one browser in, once. Run <code>styxy ui</code> for a new one.");
            case UiSessions.Redemption.Expired e -> message(req, res, Status.GONE_410, "Login link expired",
                    "This login link has expired.",
                    "A link works for " + UiSessions.CODE_TTL.toSeconds() + " seconds after it was made. Run"
                            + " <code>styxy ui</code> for a new one.");
            case UiSessions.Redemption.Unknown n -> message(req, res, Status.BAD_REQUEST_400,
                    "Login link not valid", "This login link is not valid.",
                    "This daemon did not make it, or has restarted since. Run <code>styxy ui</code> for a new"
                            + " one.");
        }
    }

    private void logout(ServerRequest req, ServerResponse res) {
        gate.liveSession(req).ifPresent(id -> gate.sessions().end(id));
        pageHeaders(res);
        res.headers().addCookie(gate.clearedCookie());
        res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, "/ui/").send();
    }

    // ------------------------------------------------------------------ the page

    private void toPage(ServerRequest req, ServerResponse res) {
        pageHeaders(res);
        res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, "/ui/").send();
    }

    private void page(ServerRequest req, ServerResponse res) {
        if (gate.liveSession(req).isEmpty()) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"styxy\"");
            message(req, res, Status.UNAUTHORIZED_401, "Log in with styxy ui", "Log in with styxy ui",
                    "This page shows the ports of this machine, live, to whoever holds the daemon's token. Run"
                            + " <code>styxy ui</code> in a terminal: it opens this page logged in. Or run"
                            + " <code>styxy ui --print-url</code> and open the one-time link it prints.");
            return;
        }
        pageHeaders(res);
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8"));
        res.send(page);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        Asset a = assets.get(req.path().pathParameters().get("name"));
        if (a == null) {
            notFound(req, res);
            return;
        }
        pageHeaders(res);
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, a.type()));
        res.send(a.bytes());
    }

    private void notFound(ServerRequest req, ServerResponse res) {
        message(req, res, Status.NOT_FOUND_404, "Not found", "There is no such page.",
                "The live port map is at <a href=\"/ui/\">/ui/</a>.");
    }

    /**
     * A small page of its own: a title, a heading and a paragraph. Only constant text of this class goes into
     * {@code html}; nothing from the request does.
     */
    private void message(ServerRequest req, ServerResponse res, Status status, String title, String heading,
                         String html) {
        boolean session = status != Status.UNAUTHORIZED_401 && gate.liveSession(req).isPresent();
        String text = messageTemplate
                .replace("{{title}}", escape(title))
                .replace("{{heading}}", escape(heading))
                .replace("{{body}}", html)
                .replace("{{link}}", session ? "<p><a href=\"/ui/\">Go to the port map</a></p>" : "");
        pageHeaders(res);
        res.status(status).header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8"));
        res.send(text.getBytes(StandardCharsets.UTF_8));
    }

    static void pageHeaders(ServerResponse res) {
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.create("Cross-Origin-Opener-Policy"), "same-origin");
        res.header(HeaderNames.create("Cross-Origin-Resource-Policy"), "same-origin");
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ GET /v1/overview

    /** The one-request picture the page starts from: ranges with their occupancy, leases, listeners, moves. */
    private void overview(ServerRequest req, ServerResponse res) {
        Instant now = Instant.now();
        List<Lease> leases = engine.leases();
        TreeSet<Integer> quarantined = new TreeSet<>(engine.quarantinedPorts());
        List<ObservationSource.ObservedListener> observed = ctx.observation().listeners();

        Map<Integer, Lease> leaseByPort = new TreeMap<>();
        leases.forEach(l -> leaseByPort.put(l.port(), l));
        TreeMap<Integer, List<ObservationSource.ObservedListener>> listenersByPort = new TreeMap<>();
        Map<Long, String> commandByPid = new HashMap<>();
        for (ObservationSource.ObservedListener o : observed) {
            listenersByPort.computeIfAbsent(o.listener().port(), p -> new ArrayList<>()).add(o);
            if (o.listener().hasKnownOwner() && o.listener().commandLine() != null) {
                commandByPid.putIfAbsent(o.listener().pid(), o.listener().commandLine());
            }
        }

        List<Object> types = new ArrayList<>();
        for (CatalogEntry e : engine.catalog().entries()) {
            types.add(occupancy(e, leaseByPort, listenersByPort, quarantined));
        }
        List<Object> leaseList = new ArrayList<>();
        for (Lease l : leases) {
            Map<String, Object> shape = Shapes.lease(l);
            if (l.owner() != null) {
                shape.put("owner_command", ownerCommand(l.owner().pid(), commandByPid));
            } else {
                shape.put("owner_command", null);
            }
            shape.put("age_seconds", Math.max(0, Duration.between(l.createdAt(), now).toSeconds()));
            leaseList.add(shape);
        }
        List<Object> listenerList = new ArrayList<>();
        for (ObservationSource.ObservedListener o : observed) {
            Map<String, Object> shape = Shapes.listener(o.listener(), o.serviceType());
            Lease lease = leaseByPort.get(o.listener().port());
            shape.put("lease_lock_id", lease == null ? null : lease.lockId());
            listenerList.add(shape);
        }
        List<Reassignment> moves = engine.reassignments(null);
        List<Object> feed = new ArrayList<>();
        for (int i = moves.size() - 1; i >= 0 && feed.size() < FEED_LIMIT; i--) {
            feed.add(Shapes.reassignment(moves.get(i)));
        }
        Json.ok(res, Json.obj(
                "generated_at", now.toString(),
                "version", ctx.version(),
                "observer", ctx.observation().observer(),
                "service_types", types,
                "leases", leaseList,
                "listeners", listenerList,
                "quarantined_ports", List.copyOf(quarantined),
                "reassignments", feed));
    }

    /**
     * One service type's range, port by port as far as anything holds it: {@code leased} (a live lease),
     * {@code foreign} (a listener Styxy did not lease), {@code quarantined} (a dead owner's socket may linger);
     * every other port of the range is free.
     */
    static Map<String, Object> occupancy(CatalogEntry e, Map<Integer, Lease> leaseByPort,
                                         TreeMap<Integer, List<ObservationSource.ObservedListener>> listenersByPort,
                                         TreeSet<Integer> quarantined) {
        ServiceType t = e.type();
        PortRange range = t.range();
        TreeMap<Integer, String> states = new TreeMap<>();
        listenersByPort.subMap(range.start(), true, range.end(), true).keySet()
                .forEach(p -> states.put(p, "foreign"));
        quarantined.subSet(range.start(), true, range.end(), true).forEach(p -> states.putIfAbsent(p, "quarantined"));
        leaseByPort.keySet().stream().filter(p -> p >= range.start() && p <= range.end())
                .forEach(p -> states.put(p, "leased"));
        int leased = 0;
        int foreign = 0;
        int held = 0;
        List<Object> ports = new ArrayList<>();
        for (Map.Entry<Integer, String> s : states.entrySet()) {
            switch (s.getValue()) {
                case "leased" -> leased++;
                case "foreign" -> foreign++;
                default -> held++;
            }
            ports.add(Json.obj("port", s.getKey(), "state", s.getValue()));
        }
        int size = range.end() - range.start() + 1;
        Map<String, Object> shape = Shapes.serviceType(e);
        shape.put("size", size);
        shape.put("occupancy", Json.obj("leased", leased, "foreign", foreign, "quarantined", held,
                "free", size - states.size()));
        shape.put("ports", ports);
        return shape;
    }

    /** The owner's command line: from the observer's snapshot when the owner listens, else from the OS. */
    private static String ownerCommand(long pid, Map<Long, String> commandByPid) {
        String known = commandByPid.get(pid);
        if (known == null) {
            known = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse(null);
        }
        return known == null ? null : Requests.truncate(known, MAX_COMMAND);
    }
}
