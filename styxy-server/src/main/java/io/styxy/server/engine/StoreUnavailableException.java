package io.styxy.server.engine;

/** The store cannot make a change durable (disk full, read-only, corrupt): nothing was changed. */
public class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
