package io.styxy.server.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.ErrorHandler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.styxy.server.engine.EngineException;

import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every error as JSON with a stable code: {@code {"error":{"code","message","status"}}} under {@code /v1}, the
 * original's {@code {"success":false,"error","code"}} on the legacy routes. Also for the server's own errors
 * (malformed HTTP, bad percent-encoding, unknown routes): never HTML, never a stack trace.
 */
final class Errors {

    private static final Logger LOG = Logger.getLogger(Errors.class.getName());

    private Errors() {
    }

    /** A refusal: status, stable code, message for people. */
    record Failure(Status status, String code, String message) {
    }

    static boolean isV1(String path) {
        return path != null && (path.equals("/v1") || path.startsWith("/v1/"));
    }

    static Map<String, Object> body(String path, Failure f) {
        if (isV1(path)) {
            return Json.obj("error", Json.obj("code", f.code(), "message", f.message(), "status", f.status().code()));
        }
        return Json.obj("success", false, "error", f.message(), "code", f.code());
    }

    static void send(String path, ServerResponse res, Failure f) {
        if (f.status() == Status.UNAUTHORIZED_401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"styxy\"");
        }
        Json.send(res, f.status(), body(path, f));
    }

    static void send(String path, ServerResponse res, ApiException e) {
        send(path, res, new Failure(e.status(), e.code(), e.getMessage()));
    }

    /** What an engine refusal means over HTTP. */
    static Failure of(EngineException e) {
        Status status = switch (e.reason()) {
            case INVALID_REQUEST, OWNER_NOT_RUNNING -> Status.BAD_REQUEST_400;
            case UNKNOWN_SERVICE_TYPE -> Status.BAD_REQUEST_400;
            case NOT_FOUND -> Status.NOT_FOUND_404;
            case EXHAUSTED, CONFLICT -> Status.CONFLICT_409;
            case STORE_UNAVAILABLE, STATE_READ_ONLY -> Status.SERVICE_UNAVAILABLE_503;
        };
        return new Failure(status, e.reason().name(), e.getMessage());
    }

    /** The routing's catch-all error handler. */
    static ErrorHandler<Throwable> handler(RouteTable routes, ApiMetrics metrics) {
        return (req, res, t) -> {
            String path = req.path().rawPath();
            Failure f = switch (t) {
                case ApiException e -> new Failure(e.status(), e.code(), e.getMessage());
                case EngineException e -> {
                    if (e.reason() == EngineException.Reason.STORE_UNAVAILABLE) {
                        metrics.storeFailed();
                    }
                    yield of(e);
                }
                case NotFoundException e -> notFound(req, res, routes);
                case HttpException e -> byStatus(e.status());
                default -> {
                    LOG.log(Level.WARNING, "styxy: " + req.prologue().method().text() + " "
                            + Requests.truncate(path, 200) + " failed", t);
                    yield new Failure(Status.INTERNAL_SERVER_ERROR_500, "INTERNAL",
                            "the daemon failed to answer this request; its log has the details");
                }
            };
            send(path, res, f);
        };
    }

    private static Failure notFound(ServerRequest req, ServerResponse res, RouteTable routes) {
        String path = req.path().path();
        Set<String> allowed = routes.methodsFor(path);
        String method = req.prologue().method().text();
        if (!allowed.isEmpty() && !allowed.contains(method)) {
            res.header(HeaderNames.ALLOW, String.join(", ", allowed));
            return new Failure(Status.METHOD_NOT_ALLOWED_405, "METHOD_NOT_ALLOWED", method + " is not allowed on "
                    + Requests.truncate(path, 200) + "; use " + String.join(" or ", allowed));
        }
        return new Failure(Status.NOT_FOUND_404, "NOT_FOUND", "no route " + Requests.truncate(method, 20) + " "
                + Requests.truncate(path, 200) + "; see docs/api.md");
    }

    /** A failure named only by its status, for errors the server itself raised. */
    static Failure byStatus(Status status) {
        int code = status.code();
        return switch (code) {
            case 400 -> new Failure(status, "BAD_REQUEST", "the request is malformed");
            case 401 -> new Failure(status, "UNAUTHORIZED", "authentication required");
            case 403 -> new Failure(status, "FORBIDDEN", "the request is refused");
            case 404 -> new Failure(status, "NOT_FOUND", "not found");
            case 405 -> new Failure(status, "METHOD_NOT_ALLOWED", "the method is not allowed here");
            case 406 -> new Failure(status, "NOT_ACCEPTABLE", "the requested media type cannot be produced");
            case 413 -> new Failure(status, "PAYLOAD_TOO_LARGE", "the request body is over 10 KB");
            case 414 -> new Failure(status, "URI_TOO_LONG", "the request URI is too long");
            case 415 -> new Failure(status, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
            case 431 -> new Failure(status, "HEADERS_TOO_LARGE", "the request headers are too large");
            case 503 -> new Failure(status, "UNAVAILABLE", "the daemon cannot answer right now");
            case 505 -> new Failure(status, "HTTP_VERSION_NOT_SUPPORTED", "use HTTP/1.1");
            default -> code >= 500
                    ? new Failure(Status.INTERNAL_SERVER_ERROR_500, "INTERNAL", "the daemon failed to answer")
                    : new Failure(status, "BAD_REQUEST", "the request is refused (" + code + ")");
        };
    }

    /**
     * Handlers for errors found before routing (unparseable request line, bad headers, bad percent-encoding, an
     * entity over the limit): the same JSON envelopes.
     */
    static DirectHandlers directHandlers() {
        DirectHandler json = Errors::direct;
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, json);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest request,
                                                          DirectHandler.EventType type, Status status,
                                                          ServerResponseHeaders headers, String message) {
        Failure f = switch (type) {
            case PAYLOAD_TOO_LARGE -> byStatus(Status.REQUEST_ENTITY_TOO_LARGE_413);
            case FORBIDDEN -> byStatus(Status.FORBIDDEN_403);
            case HTTP_VERSION_NOT_SUPPORTED -> byStatus(Status.HTTP_VERSION_NOT_SUPPORTED_505);
            case INTERNAL_ERROR -> new Failure(Status.INTERNAL_SERVER_ERROR_500, "INTERNAL",
                    "the daemon failed to answer this request");
            default -> byStatus(status);
        };
        if (f.status().code() < 500 && message != null && !message.isBlank()) {
            f = new Failure(f.status(), f.code(), f.message() + ": " + Requests.truncate(message, 160));
        }
        String path;
        try {
            path = request.path();
        } catch (RuntimeException e) {
            path = "";
        }
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        return DirectHandler.TransportResponse.builder()
                .status(f.status())
                .headers(headers)
                .keepAlive(type.keepAlive() && f.status().code() < 500)
                .entity(Json.bytes(body(path, f)))
                .build();
    }
}
