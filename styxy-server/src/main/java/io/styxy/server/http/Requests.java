package io.styxy.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.styxy.server.json.JsonValues;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads and checks what a client sent. Every refusal is an {@link ApiException} with a 4xx status. */
final class Requests {

    /** Largest request body, as the original (express.json limit 10 KB). */
    static final int MAX_BODY = 10 * 1024;
    /** A config.json document sent to be validated may be larger. */
    static final int MAX_CONFIG_BODY = 64 * 1024;

    private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");
    /** Compiled once: every audit entry goes through {@link #truncate}. */
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Requests() {
    }

    /** The body as a JSON object; an empty body is an empty object. */
    static Map<String, Object> object(ServerRequest req) {
        return object(req, MAX_BODY);
    }

    static Map<String, Object> object(ServerRequest req, int limit) {
        Map<String, Object> object = JsonValues.asObject(document(req, limit));
        if (object == null) {
            throw ApiException.badRequest("INVALID_JSON", "the request body must be a JSON object");
        }
        return object;
    }

    /** The body as any JSON document, in plain values ({@link JsonValues}). */
    static Object document(ServerRequest req, int limit) {
        byte[] bytes = json(req, limit);
        try {
            return Json.parse(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("INVALID_JSON", "the request body is not valid JSON: "
                    + truncate(e.getOriginalMessage(), 160));
        }
    }

    /** The raw body, refused with 415 when it is declared as something other than JSON. */
    static byte[] json(ServerRequest req, int limit) {
        byte[] bytes = raw(req, limit);
        if (bytes.length > 0) {
            Optional<String> type = req.headers().contentType().map(ct -> ct.mediaType().text()
                    .toLowerCase(Locale.ROOT));
            if (type.isPresent() && !type.get().equals("application/json") && !type.get().endsWith("+json")) {
                throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "UNSUPPORTED_MEDIA_TYPE",
                        "send the body as application/json, not " + truncate(type.get(), 60));
            }
        }
        return bytes;
    }

    static byte[] raw(ServerRequest req, int limit) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > limit) {
            throw tooLarge(limit);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(limit + 1);
        } catch (IOException | RuntimeException e) {
            throw ApiException.badRequest("INVALID_REQUEST", "the request body could not be read");
        }
        if (bytes.length > limit) {
            throw tooLarge(limit);
        }
        return bytes;
    }

    static ApiException tooLarge(int limit) {
        return new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "PAYLOAD_TOO_LARGE",
                "the request body is over " + (limit / 1024) + " KB");
    }

    // ------------------------------------------------------------------ body fields

    static String text(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw ApiException.invalid(field + " must be a string");
        }
        return s;
    }

    static boolean bool(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if ("true".equals(value) || "false".equals(value)) {
            return Boolean.parseBoolean((String) value);
        }
        throw ApiException.invalid(field + " must be true or false");
    }

    /** A port as a JSON number or a string of digits; the range is the engine's to judge. */
    static Integer port(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value == null) {
            return null;
        }
        if (value instanceof Integer i) {
            return i;
        }
        if (value instanceof String s && DIGITS.matcher(s).matches()) {
            long port = Long.parseLong(s);
            if (port <= 65_535) {
                return (int) port;
            }
        }
        throw ApiException.badRequest("INVALID_PORT", field + " must be a port number from 1024 to 65535");
    }

    static Long pid(Map<String, Object> body, String field) {
        Object raw = body.get(field);
        if (raw == null) {
            return null;
        }
        long value;
        if (JsonValues.isLong(raw)) {
            value = ((Number) raw).longValue();
        } else if (raw instanceof String s && DIGITS.matcher(s).matches()) {
            value = Long.parseLong(s);
        } else {
            throw ApiException.invalid(field + " must be a process id");
        }
        if (value <= 0 || value > 4_194_304) {
            throw ApiException.invalid(field + " must be a process id from 1 to 4194304");
        }
        return value;
    }

    /** A JSON object of free-form facts (for instance metadata), kept as plain maps and lists. */
    static Map<String, Object> metadata(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value == null) {
            return null;
        }
        Map<String, Object> object = JsonValues.asObject(value);
        if (object == null) {
            throw ApiException.invalid(field + " must be a JSON object");
        }
        if (object.size() > 50) {
            throw ApiException.invalid(field + " may hold at most 50 keys");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        object.forEach((key, v) -> map.put(truncate(key, 100), v));
        return map;
    }

    static List<Object> array(Map<String, Object> body, String field) {
        List<Object> items = JsonValues.asArray(body.get(field));
        if (items == null) {
            throw ApiException.invalid(field + " must be a JSON array");
        }
        return items;
    }

    // ------------------------------------------------------------------ path and query

    static String pathParam(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    /** A port from the path: digits only, 1..65535. */
    static int pathPort(ServerRequest req, String name) {
        return parsePort(pathParam(req, name), name, 1);
    }

    static int parsePort(String raw, String name, int min) {
        if (raw != null && DIGITS.matcher(raw).matches()) {
            long port = Long.parseLong(raw);
            if (port >= min && port <= 65_535) {
                return (int) port;
            }
        }
        throw ApiException.badRequest("INVALID_PORT", name + " must be a port number from " + min + " to 65535, got \""
                + truncate(raw, 20) + "\"");
    }

    static String lockId(ServerRequest req, String name) {
        String raw = pathParam(req, name);
        if (!UUID.matcher(raw).matches()) {
            throw ApiException.invalid("lock_id must be a valid UUID v4");
        }
        return raw.toLowerCase(Locale.ROOT);
    }

    static Optional<String> query(ServerRequest req, String name) {
        if (!req.query().contains(name)) {
            return Optional.empty();
        }
        String value = req.query().get(name);
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    static Integer queryInt(ServerRequest req, String name, int min, int max) {
        Optional<String> raw = query(req, name);
        if (raw.isEmpty()) {
            return null;
        }
        if (DIGITS.matcher(raw.get()).matches()) {
            long value = Long.parseLong(raw.get());
            if (value >= min && value <= max) {
                return (int) value;
            }
        }
        throw ApiException.invalid(name + " must be a number from " + min + " to " + max + ", got \""
                + truncate(raw.get(), 20) + "\"");
    }

    static String userAgent(ServerRequest req) {
        return truncate(req.headers().first(HeaderNames.USER_AGENT).orElse(""), 200);
    }

    static String remoteIp(ServerRequest req) {
        return req.remotePeer().host();
    }

    static String truncate(String s, int max) {
        if (s == null) {
            return "";
        }
        String clean = CONTROL.matcher(s).replaceAll("");
        return clean.length() <= max ? clean : clean.substring(0, max);
    }
}
