package io.styxy.server.engine;

/** A request the engine refuses. The {@link Reason} tells adapters which status or exit code it is. */
public class EngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a request was refused. */
    public enum Reason {
        /** The request is malformed (bad name, port out of range, …). */
        INVALID_REQUEST,
        /** No such lease, instance or type. */
        NOT_FOUND,
        /** The service type does not exist and cannot be created. */
        UNKNOWN_SERVICE_TYPE,
        /** Every candidate port is taken. */
        EXHAUSTED,
        /** The request conflicts with the current state (e.g. the port is held by someone else). */
        CONFLICT,
        /** The named owner process is not running. */
        OWNER_NOT_RUNNING,
        /** The store cannot make changes durable; nothing was changed. */
        STORE_UNAVAILABLE,
        /** The state directory is read-only: the daemon serves reads and refuses every change. */
        STATE_READ_ONLY
    }

    private final Reason reason;

    public EngineException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public EngineException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
