package io.styxy.server.daemon;

/** Another daemon holds the state directory's lock. */
public class AlreadyRunningException extends Exception {

    private static final long serialVersionUID = 1L;

    public AlreadyRunningException(String message) {
        super(message);
    }
}
