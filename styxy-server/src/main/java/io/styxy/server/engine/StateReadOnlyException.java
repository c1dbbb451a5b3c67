package io.styxy.server.engine;

/**
 * The state directory is read-only (a read-only mount, or a file system the kernel made read-only after an error):
 * no change can be made durable, so none is made. The message names the directory and what to do.
 */
public class StateReadOnlyException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    public StateReadOnlyException(String message) {
        super(message, null);
    }
}
