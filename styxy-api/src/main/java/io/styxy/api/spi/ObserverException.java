package io.styxy.api.spi;

/** A scan failed: the tool is missing, timed out, or printed something that cannot be parsed. */
public class ObserverException extends Exception {

    private static final long serialVersionUID = 1L;

    public ObserverException(String message) {
        super(message);
    }

    public ObserverException(String message, Throwable cause) {
        super(message, cause);
    }
}
