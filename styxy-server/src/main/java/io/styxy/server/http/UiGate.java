package io.styxy.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.webserver.http.ServerRequest;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * How the browser page's session cookie may stand in for the token. The {@link Security} filter asks
 * {@link #verdict} for a request that carries no token:
 * <ul>
 *   <li>the cookie counts only on {@code /v1/…} (never on the legacy routes, and never to ask for another login
 *       link), and only with a live session;</li>
 *   <li>a browser that says where the request comes from must say {@code same-origin} or {@code none}
 *       ({@code Sec-Fetch-Site}); a page on another port of this host is "same-site", and is refused;</li>
 *   <li>a request that changes something must carry an {@code Origin}, which the filter has already checked to be
 *       the daemon itself.</li>
 * </ul>
 * The cookie is {@code HttpOnly; SameSite=Strict; Path=/}, named after the daemon's port so that two daemons on
 * one machine keep apart sessions. Pages under {@code /ui/} are open at the filter and check the session
 * themselves, so that a browser without one is shown how to log in.
 */
final class UiGate {

    static final String COOKIE_PREFIX = "styxy_session_";
    static final String LOGIN_LINKS = "/v1/ui/login-links";

    /** What the cookie of a request without a token amounts to. */
    enum Verdict {
        /** No cookie, or not a live session: the token is needed. */
        NO_SESSION,
        /** A live session, and the request is one a session may make. */
        ADMITTED,
        /** A live session, but the browser did not show that the page itself sent the request. */
        NOT_FROM_THE_PAGE,
        /** A live session, but a changing request without an Origin. */
        NO_ORIGIN
    }

    private final UiSessions sessions;
    private final IntSupplier port;

    UiGate(UiSessions sessions, IntSupplier port) {
        this.sessions = sessions;
        this.port = port;
    }

    UiSessions sessions() {
        return sessions;
    }

    String cookieName() {
        return COOKIE_PREFIX + port.getAsInt();
    }

    /** The pages under {@code /ui}: open at the filter, each checks the session itself. */
    static boolean isPage(String path) {
        return path.equals("/ui") || path.startsWith("/ui/");
    }

    /** The session id the request presents, if any (the first of several cookies of that name that is live). */
    Optional<String> liveSession(ServerRequest req) {
        List<String> values;
        try {
            values = req.headers().cookies().all(cookieName(), List::of);
        } catch (RuntimeException e) {
            return Optional.empty(); // an unparseable Cookie header is no session
        }
        for (String v : values) {
            String id = v.trim();
            if (sessions.touch(id)) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }

    /** Whether the browser said the request came from this very origin (or from the user, typing or clicking). */
    static boolean fromThePage(ServerRequest req) {
        Optional<String> site = req.headers().first(HeaderNames.create("Sec-Fetch-Site"));
        if (site.isEmpty()) {
            return true; // a browser too old to say; the Origin rules still hold
        }
        String s = site.get().trim().toLowerCase(Locale.ROOT);
        return s.equals("same-origin") || s.equals("none");
    }

    /** The verdict on a request to {@code path} that carries no token. */
    Verdict verdict(ServerRequest req, String path) {
        if (!Errors.isV1(path) || path.equals(LOGIN_LINKS)) {
            return Verdict.NO_SESSION;
        }
        if (liveSession(req).isEmpty()) {
            return Verdict.NO_SESSION;
        }
        if (!fromThePage(req)) {
            return Verdict.NOT_FROM_THE_PAGE;
        }
        String method = req.prologue().method().text();
        boolean safe = method.equals("GET") || method.equals("HEAD");
        if (!safe && req.headers().first(HeaderNames.ORIGIN).isEmpty()) {
            return Verdict.NO_ORIGIN;
        }
        return Verdict.ADMITTED;
    }

    /** The cookie that carries a new session: gone when the browser closes; the daemon ends it sooner. */
    SetCookie sessionCookie(String id) {
        return SetCookie.builder(cookieName(), id)
                .path("/")
                .httpOnly(true)
                .sameSite(SetCookie.SameSite.STRICT)
                .build();
    }

    /** The cookie that ends one in the browser. */
    SetCookie clearedCookie() {
        return SetCookie.builder(cookieName(), "")
                .path("/")
                .httpOnly(true)
                .sameSite(SetCookie.SameSite.STRICT)
                .expires(Instant.EPOCH)
                .build();
    }
}
