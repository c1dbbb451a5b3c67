package io.styxy.server.unix;

import io.styxy.api.Protocol;
import io.styxy.server.engine.Allocation;
import io.styxy.server.engine.AllocationRequest;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineException;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.PortStatus;
import io.styxy.server.engine.Reassignment;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The Unix-socket line protocol (docs/protocol.md): one request line in, one answer line out. Pure: no I/O, so it
 * is tested line by line; {@link UnixSocketServer} does the socket work.
 */
public final class LineProtocol {

    /** Longest line, in bytes, without its newline. */
    public static final int MAX_LINE = 1024;
    public static final int VERSION = 1;

    private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final Engine engine;
    private final BiConsumer<String, String> counter;

    /**
     * @param engine  the ledger
     * @param counter told {@code (verb, "ok"|error code)} after each request, for metrics
     */
    public LineProtocol(Engine engine, BiConsumer<String, String> counter) {
        this.engine = Objects.requireNonNull(engine);
        this.counter = counter == null ? (v, r) -> { } : counter;
    }

    /** A refused request: its code and message. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;

        Refusal(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** Answers one line (without its newline). Never throws; the answer has no newline. */
    public String answer(String line) {
        String trimmed = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        String[] tokens = tokens(trimmed.strip());
        String verb = tokens.length == 0 ? "" : tokens[0].toUpperCase(Locale.ROOT);
        String metricVerb = switch (verb) {
            case "PING", "REASSIGN", "ALLOCATE", "RELEASE", "CHECK" -> verb.toLowerCase(Locale.ROOT);
            default -> "unknown";
        };
        try {
            Map<String, String> args = args(tokens);
            String answer = switch (verb) {
                case "PING" -> "OK pong version=" + VERSION;
                case "REASSIGN" -> reassign(args);
                case "ALLOCATE" -> allocate(args);
                case "RELEASE" -> release(args);
                case "CHECK" -> check(args);
                case "" -> throw new Refusal("BAD_REQUEST", "empty line; send a verb such as PING");
                default -> throw new Refusal("UNKNOWN_VERB", "unknown verb " + clean(tokens[0], 40)
                        + "; verbs: PING, REASSIGN, ALLOCATE, RELEASE, CHECK");
            };
            counter.accept(metricVerb, "ok");
            return answer;
        } catch (Refusal r) {
            counter.accept(metricVerb, r.code);
            return err(r.code, r.getMessage());
        } catch (EngineException e) {
            String code = code(e.reason());
            counter.accept(metricVerb, code);
            return err(code, e.getMessage());
        } catch (RuntimeException e) {
            counter.accept(metricVerb, "INTERNAL");
            return err("INTERNAL", "the daemon failed to answer: " + e.getClass().getSimpleName());
        }
    }

    /** The words of a line, split at runs of spaces (by hand: this runs for every line, a conflict's too). */
    static String[] tokens(String line) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(6);
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                out.add(line.substring(start, i));
            }
        }
        return out.toArray(new String[0]);
    }

    static String err(String code, String message) {
        return "ERR code=" + code + " " + clean(message, 400);
    }

    static String code(EngineException.Reason reason) {
        return switch (reason) {
            case INVALID_REQUEST, OWNER_NOT_RUNNING -> "BAD_REQUEST";
            case NOT_FOUND, UNKNOWN_SERVICE_TYPE -> "NOT_FOUND";
            case EXHAUSTED -> "EXHAUSTED";
            case CONFLICT -> "CONFLICT";
            case STORE_UNAVAILABLE -> "UNAVAILABLE";
            case STATE_READ_ONLY -> "STATE_READ_ONLY";
        };
    }

    private static Map<String, String> args(String[] tokens) {
        Map<String, String> args = new HashMap<>();
        for (int i = 1; i < tokens.length; i++) {
            int eq = tokens[i].indexOf('=');
            if (eq <= 0) {
                throw new Refusal("BAD_REQUEST", "expected key=value, got " + clean(tokens[i], 40));
            }
            args.putIfAbsent(tokens[i].substring(0, eq).toLowerCase(Locale.ROOT), tokens[i].substring(eq + 1));
        }
        return args;
    }

    private String reassign(Map<String, String> args) {
        long pid = pid(required(args, "pid"));
        int port = port(required(args, "port"), "port");
        Protocol protocol = protocol(args.getOrDefault("proto", "tcp"));
        Integer failed = args.containsKey("failed") ? port(args.get("failed"), "failed") : null;
        Reassignment r = engine.reassign(pid, port, protocol, failed);
        return "OK port=" + r.givenPort() + " type=" + r.serviceType() + " lock=" + r.lockId();
    }

    private String allocate(Map<String, String> args) {
        String type = required(args, "type");
        Long pid = args.containsKey("pid") ? pid(args.get("pid")) : null;
        Integer port = args.containsKey("port") ? port(args.get("port"), "port") : null;
        AllocationRequest request = new AllocationRequest(type, args.get("name"), port, args.get("instance"),
                args.get("project"), pid, "true".equals(args.get("stable")), false,
                protocol(args.getOrDefault("proto", "tcp")), "unix-socket", "unix");
        return switch (engine.allocate(request)) {
            case Allocation.Granted g -> "OK port=" + g.port() + " lock=" + g.lease().lockId() + " type="
                    + g.lease().serviceType();
            case Allocation.SingletonHeld h -> "OK port=" + h.port() + " lock=" + h.existing().lockId() + " type="
                    + h.existing().serviceType() + " existing=true";
            case Allocation.DryRun d -> "OK port=" + d.port() + " type=" + d.serviceType() + " dry_run=true";
        };
    }

    private String release(Map<String, String> args) {
        String lock = required(args, "lock");
        if (!UUID.matcher(lock).matches()) {
            throw new Refusal("BAD_REQUEST", "lock must be a lock id (a UUID)");
        }
        Lease lease = engine.release(lock.toLowerCase(Locale.ROOT));
        return "OK port=" + lease.port();
    }

    private String check(Map<String, String> args) {
        int port = port(required(args, "port"), "port");
        PortStatus s = engine.check(port);
        StringBuilder out = new StringBuilder("OK port=").append(port).append(" available=").append(s.available());
        if (s.lease() != null) {
            out.append(" holder=lease");
            if (s.lease().owner() != null) {
                out.append(" pid=").append(s.lease().owner().pid());
            }
            out.append(" lock=").append(s.lease().lockId());
        } else if (!s.listeners().isEmpty()) {
            out.append(" holder=listener");
            s.listeners().stream().filter(l -> l.hasKnownOwner()).findFirst()
                    .ifPresent(l -> out.append(" pid=").append(l.pid()));
        } else if (s.quarantined()) {
            out.append(" holder=quarantine");
        }
        return out.toString();
    }

    private static String required(Map<String, String> args, String key) {
        String value = args.get(key);
        if (value == null || value.isEmpty()) {
            throw new Refusal("BAD_REQUEST", key + "= is required");
        }
        return value;
    }

    private static long pid(String raw) {
        if (!DIGITS.matcher(raw).matches() || Long.parseLong(raw) <= 0 || Long.parseLong(raw) > 4_194_304) {
            throw new Refusal("BAD_REQUEST", "pid must be a process id, got " + clean(raw, 20));
        }
        return Long.parseLong(raw);
    }

    private static int port(String raw, String key) {
        if (!DIGITS.matcher(raw).matches() || Long.parseLong(raw) < 1 || Long.parseLong(raw) > 65_535) {
            throw new Refusal("BAD_REQUEST", key + " must be a port number from 1 to 65535, got " + clean(raw, 20));
        }
        return Integer.parseInt(raw);
    }

    private static Protocol protocol(String raw) {
        try {
            return Protocol.fromWireName(raw);
        } catch (IllegalArgumentException e) {
            throw new Refusal("BAD_REQUEST", "proto must be tcp or udp, got " + clean(raw, 20));
        }
    }

    /** One line, printable, bounded. */
    static String clean(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }
}
