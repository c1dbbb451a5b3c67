package io.styxy.server.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The checks every request passes before any route runs, in this order:
 * <ol>
 *   <li>{@code Host} names a loopback address with the daemon's port (DNS rebinding);</li>
 *   <li>no cross-site {@code Origin} or {@code Sec-Fetch-Site} (a page of the daemon itself is same-origin);</li>
 *   <li>the path is plain: no dot segments, no encoded slashes or NULs, not overlong;</li>
 *   <li>the token, compared in constant time, everywhere but {@code GET /status} and the browser page's own
 *       {@code /ui} paths; a request without a token may instead show the page's session cookie on {@code /v1}
 *       ({@link UiGate});</li>
 *   <li>a declared body is not over the limit.</li>
 * </ol>
 * There is deliberately no rate limiter: every local client shares 127.0.0.1, so one would let any process lock the
 * others out. Also counts and times every request.
 */
final class Security implements Filter {

    static final HeaderName X_API_KEY = HeaderNames.create("X-API-Key");
    private static final HeaderName SEC_FETCH_SITE = HeaderNames.create("Sec-Fetch-Site");
    private static final int MAX_PATH = 2048;

    private final ApiContext ctx;
    private final ApiMetrics metrics;
    private final byte[] tokenDigest;
    private final UiGate ui;

    Security(ApiContext ctx, ApiMetrics metrics, UiGate ui) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.tokenDigest = sha256(ctx.token());
        this.ui = ui;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String rawPath = req.path().rawPath();
        try {
            check(req, rawPath);
            chain.proceed();
        } catch (ApiException e) {
            Errors.send(rawPath, res, e);
        } finally {
            String route = req.matchingPattern().orElse("unmatched");
            String method = req.prologue().method().text();
            metrics.increment("styxy_http_requests_total", "route", route, "method", method.length() > 10 ? "other"
                    : method, "status", Integer.toString(res.status().code()));
            if (!route.equals("/v1/events")) {
                metrics.time("styxy_http_request_duration_seconds", System.nanoTime() - start, "route", route);
            }
        }
    }

    private void check(RoutingRequest req, String rawPath) {
        int port = ctx.httpPort().getAsInt();
        Optional<String> host = req.headers().first(HeaderNames.HOST);
        if (host.isEmpty() || !isLoopbackHost(host.get(), port)) {
            refuse(req, "host", Status.FORBIDDEN_403, "FORBIDDEN_HOST", "the Host header must name a loopback"
                    + " address with the daemon's port, e.g. 127.0.0.1:" + port);
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent() && !isSameOrigin(origin.get(), port)) {
            refuse(req, "origin", Status.FORBIDDEN_403, "FORBIDDEN_ORIGIN", "cross-site requests are refused");
        }
        Optional<String> site = req.headers().first(SEC_FETCH_SITE);
        if (site.isPresent() && site.get().equalsIgnoreCase("cross-site")) {
            refuse(req, "origin", Status.FORBIDDEN_403, "FORBIDDEN_ORIGIN", "cross-site requests are refused");
        }
        String problem = req.prologue().fragment().hasValue() ? "a request target carries no #fragment"
                : pathProblem(rawPath);
        if (problem != null) {
            throw ApiException.badRequest("INVALID_PATH", problem);
        }
        String queryProblem = queryProblem(req);
        if (queryProblem != null) {
            throw ApiException.badRequest("INVALID_QUERY", queryProblem);
        }
        String path = req.path().path();
        boolean open = path.equals("/status") && req.prologue().method().text().equals("GET")
                || UiGate.isPage(path);
        if (!open) {
            Optional<String> presented = presentedToken(req);
            if (presented.isEmpty()) {
                if (!uiSession(req, path)) {
                    refuse(req, "missing_token", Status.UNAUTHORIZED_401, "UNAUTHORIZED", "Authentication required."
                            + " Provide API key via Authorization: Bearer <token> or X-API-Key header (the token is"
                            + " in $STYXY_HOME/auth.token)");
                }
            } else if (!MessageDigest.isEqual(sha256(presented.get()), tokenDigest)) {
                refuse(req, "wrong_token", Status.UNAUTHORIZED_401, "UNAUTHORIZED", "Invalid API key");
            }
        }
        long declared = req.headers().contentLength().orElse(-1);
        int limit = req.path().path().equals("/v1/config/validate") ? Requests.MAX_CONFIG_BODY : Requests.MAX_BODY;
        if (declared > limit) {
            throw Requests.tooLarge(limit);
        }
    }

    /** Whether the browser page's session cookie admits this request; refuses it when the cookie is misused. */
    private boolean uiSession(RoutingRequest req, String path) {
        return switch (ui.verdict(req, path)) {
            case ADMITTED -> true;
            case NO_SESSION -> false;
            case NOT_FROM_THE_PAGE -> {
                refuse(req, "session_origin", Status.FORBIDDEN_403, "FORBIDDEN_ORIGIN",
                        "the session cookie works only for the daemon's own page");
                yield false;
            }
            case NO_ORIGIN -> {
                refuse(req, "session_origin", Status.FORBIDDEN_403, "FORBIDDEN_ORIGIN",
                        "a request with the session cookie that changes something must carry the page's Origin");
                yield false;
            }
        };
    }

    private void refuse(ServerRequest req, String reason, Status status, String code, String message) {
        metrics.increment("styxy_auth_failures_total", "reason", reason);
        ctx.audit().record(reason.endsWith("token") ? "AUTH_FAILED" : "REQUEST_REFUSED", Map.of(
                "reason", reason,
                "method", Requests.truncate(req.prologue().method().text(), 10),
                "path", Requests.truncate(req.path().rawPath(), 200),
                "remote", req.remotePeer().host(),
                "user_agent", Requests.userAgent(req)));
        throw new ApiException(status, code, message);
    }

    static Optional<String> presentedToken(ServerRequest req) {
        Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION);
        if (auth.isPresent()) {
            String value = auth.get().trim();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.of(value.substring(7).trim());
            }
            return Optional.of(value);
        }
        return req.headers().first(X_API_KEY).map(String::trim);
    }

    /** Why a raw path is refused, or {@code null} when it is plain. One pass, no regular expressions. */
    static String pathProblem(String raw) {
        int n = raw.length();
        if (n > MAX_PATH) {
            return "the path is longer than " + MAX_PATH + " characters";
        }
        if (n == 0 || raw.charAt(0) != '/') {
            return "the path must start with /";
        }
        int segmentStart = 1;
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                return "the path holds a control character or a space";
            }
            if (c == '\\') {
                return "the path holds a backslash";
            }
            if (c == '%' && i + 2 < n) {
                char a = raw.charAt(i + 1);
                char b = Character.toLowerCase(raw.charAt(i + 2));
                if ((a == '0' && b == '0') || (a == '2' && (b == 'f' || b == 'e')) || (a == '5' && b == 'c')) {
                    return "the path holds an encoded slash, dot, backslash or NUL";
                }
            }
            if (c == '/' && i > 0) {
                String problem = segmentProblem(raw, segmentStart, i);
                if (problem != null) {
                    return problem;
                }
                segmentStart = i + 1;
            }
        }
        return segmentProblem(raw, segmentStart, n);
    }

    private static String segmentProblem(String raw, int start, int end) {
        int length = end - start;
        if (length == 0 && end < raw.length()) {
            return "the path holds an empty segment (//)";
        }
        if ((length == 1 && raw.charAt(start) == '.') || (length == 2 && raw.charAt(start) == '.'
                && raw.charAt(start + 1) == '.')) {
            return "the path holds a . or .. segment";
        }
        return null;
    }

    /** Why the query is refused (overlong, or a control character once decoded), or {@code null}. */
    static String queryProblem(RoutingRequest req) {
        String raw = req.query().rawValue();
        if (raw.isEmpty()) {
            return null;
        }
        if (raw.length() > MAX_PATH) {
            return "the query is longer than " + MAX_PATH + " characters";
        }
        String decoded;
        try {
            decoded = req.query().value();
        } catch (RuntimeException e) {
            return "the query is not valid percent-encoding";
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "the query holds a control character";
            }
        }
        return null;
    }

    static boolean isLoopbackHost(String host, int port) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1:" + port) || h.equals("localhost:" + port) || h.equals("[::1]:" + port);
    }

    static boolean isSameOrigin(String origin, int port) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.equals("http://127.0.0.1:" + port) || o.equals("http://localhost:" + port)
                || o.equals("http://[::1]:" + port);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
