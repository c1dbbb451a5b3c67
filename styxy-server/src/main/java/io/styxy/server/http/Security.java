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
 *   <li>the token, compared in constant time, everywhere but {@code GET /status};</li>
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

    Security(ApiContext ctx, ApiMetrics metrics) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.tokenDigest = sha256(ctx.token());
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
        boolean open = req.path().path().equals("/status") && req.prologue().method().text().equals("GET");
        if (!open) {
            Optional<String> presented = presentedToken(req);
            if (presented.isEmpty()) {
                refuse(req, "missing_token", Status.UNAUTHORIZED_401, "UNAUTHORIZED", "Authentication required."
                        + " Provide API key via Authorization: Bearer <token> or X-API-Key header (the token is in"
                        + " $STYXY_HOME/auth.token)");
            }
            if (!MessageDigest.isEqual(sha256(presented.get()), tokenDigest)) {
                refuse(req, "wrong_token", Status.UNAUTHORIZED_401, "UNAUTHORIZED", "Invalid API key");
            }
        }
        long declared = req.headers().contentLength().orElse(-1);
        int limit = req.path().path().equals("/v1/config/validate") ? Requests.MAX_CONFIG_BODY : Requests.MAX_BODY;
        if (declared > limit) {
            throw Requests.tooLarge(limit);
        }
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

    /** Why a raw path is refused, or {@code null} when it is plain. */
    static String pathProblem(String raw) {
        if (raw.length() > MAX_PATH) {
            return "the path is longer than " + MAX_PATH + " characters";
        }
        if (!raw.startsWith("/")) {
            return "the path must start with /";
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        if (lower.contains("%00") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e")
                || raw.indexOf('\\') >= 0) {
            return "the path holds an encoded slash, dot, backslash or NUL";
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                return "the path holds a control character or a space";
            }
        }
        if (raw.contains("//")) {
            return "the path holds an empty segment (//)";
        }
        for (String segment : raw.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return "the path holds a . or .. segment";
            }
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
