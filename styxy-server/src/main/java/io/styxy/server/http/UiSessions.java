package io.styxy.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The browser page's logins: one-time login codes (asked for with the token, valid {@link #CODE_TTL}, good once)
 * and the sessions they turn into. A session id is random and never the token; only its SHA-256 is kept, so a map
 * lookup cannot leak a secret through timing and a memory dump holds no usable id. Everything lives in memory: a
 * restart of the daemon logs every browser out. Both maps are bounded, so no client can fill the daemon's memory.
 */
final class UiSessions {

    static final Duration CODE_TTL = Duration.ofSeconds(60);
    /** A session ends after this long without a request… */
    static final Duration IDLE_TTL = Duration.ofHours(8);
    /** …and after this long in any case. */
    static final Duration MAX_TTL = Duration.ofHours(24);
    static final int MAX_CODES = 32;
    static final int MAX_SESSIONS = 64;
    /** How long a used code is remembered, so a second use is told "already used" rather than "unknown". */
    static final Duration USED_MEMORY = Duration.ofMinutes(10);
    static final int MAX_USED = 256;
    private static final int SECRET_BYTES = 32;

    /** What a login code turned into. */
    sealed interface Redemption {
        /** A new session: {@code id} goes into the cookie. */
        record Granted(String id) implements Redemption {
        }

        /** The code was good once and has been used. */
        record Used() implements Redemption {
        }

        /** The code was issued but its minute is over. */
        record Expired() implements Redemption {
        }

        /** No such code was ever issued here (or the daemon restarted since). */
        record Unknown() implements Redemption {
        }
    }

    private record Session(Instant created, Instant lastSeen) {
    }

    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> codes = new HashMap<>();
    private final Map<String, Instant> used = new HashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();

    UiSessions(InstantSource clock) {
        this.clock = clock;
    }

    /** A new login code; it works once, within {@link #CODE_TTL}. */
    synchronized String issueCode() {
        Instant now = clock.instant();
        prune(now);
        if (codes.size() >= MAX_CODES) {
            evictOldest(codes);
        }
        String code = secret();
        codes.put(digest(code), now.plus(CODE_TTL));
        return code;
    }

    /** Spends a login code: a session when it is valid, else why not. The code is never good again. */
    synchronized Redemption redeem(String code) {
        if (code == null || code.isEmpty() || code.length() > 100) {
            return new Redemption.Unknown();
        }
        Instant now = clock.instant();
        prune(now);
        String key = digest(code);
        Instant expiry = codes.remove(key);
        if (expiry == null) {
            Instant usedAt = used.get(key);
            return usedAt != null && usedAt.plus(USED_MEMORY).isAfter(now) ? new Redemption.Used()
                    : new Redemption.Unknown();
        }
        if (!now.isBefore(expiry)) {
            codes.put(key, expiry); // still "expired" (not "unknown") on another try, until pruned
            return new Redemption.Expired();
        }
        remember(key, now);
        if (sessions.size() >= MAX_SESSIONS) {
            evictOldestSession();
        }
        String id = secret();
        sessions.put(digest(id), new Session(now, now));
        return new Redemption.Granted(id);
    }

    /** Whether {@code id} names a live session; a live one is kept alive by this use. */
    synchronized boolean touch(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return false;
        }
        Instant now = clock.instant();
        String key = digest(id);
        Session s = sessions.get(key);
        if (s == null) {
            return false;
        }
        if (expired(s, now)) {
            sessions.remove(key);
            return false;
        }
        sessions.put(key, new Session(s.created(), now));
        return true;
    }

    /** Ends a session (log out). */
    synchronized void end(String id) {
        if (id != null && id.length() <= 100) {
            sessions.remove(digest(id));
        }
    }

    synchronized int liveSessions() {
        prune(clock.instant());
        return sessions.size();
    }

    /** Codes issued and not yet spent, expired or forgotten. */
    synchronized int pendingCodes() {
        Instant now = clock.instant();
        prune(now);
        return (int) codes.values().stream().filter(now::isBefore).count();
    }

    private static boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastSeen().plus(IDLE_TTL)) || !now.isBefore(s.created().plus(MAX_TTL));
    }

    private void remember(String key, Instant now) {
        if (used.size() >= MAX_USED) {
            used.values().removeIf(at -> !at.plus(USED_MEMORY).isAfter(now));
            if (used.size() >= MAX_USED) {
                evictOldest(used);
            }
        }
        used.put(key, now);
    }

    private void prune(Instant now) {
        codes.values().removeIf(expiry -> !now.isBefore(expiry.plus(USED_MEMORY)));
        sessions.values().removeIf(s -> expired(s, now));
    }

    private static void evictOldest(Map<String, Instant> map) {
        String oldest = null;
        Instant at = null;
        for (Map.Entry<String, Instant> e : map.entrySet()) {
            if (at == null || e.getValue().isBefore(at)) {
                oldest = e.getKey();
                at = e.getValue();
            }
        }
        map.remove(oldest);
    }

    private void evictOldestSession() {
        String oldest = null;
        Instant at = null;
        for (Map.Entry<String, Session> e : sessions.entrySet()) {
            if (at == null || e.getValue().lastSeen().isBefore(at)) {
                oldest = e.getKey();
                at = e.getValue().lastSeen();
            }
        }
        sessions.remove(oldest);
    }

    private String secret() {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
