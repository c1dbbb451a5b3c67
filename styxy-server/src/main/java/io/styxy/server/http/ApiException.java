package io.styxy.server.http;

import io.helidon.http.Status;

/**
 * A request the HTTP adapter refuses, with the status and the stable error code clients may rely on. Cheap to make:
 * it carries no stack trace, because it is an answer, not a fault.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Status status;
    private final String code;

    ApiException(Status status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    Status status() {
        return status;
    }

    String code() {
        return code;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(Status.BAD_REQUEST_400, code, message);
    }

    static ApiException invalid(String message) {
        return badRequest("INVALID_REQUEST", message);
    }

    static ApiException notFound(String code, String message) {
        return new ApiException(Status.NOT_FOUND_404, code, message);
    }
}
