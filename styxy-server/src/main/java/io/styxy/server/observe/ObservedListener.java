package io.styxy.server.observe;

import io.styxy.api.Listener;

import java.util.Objects;

/**
 * A listener as the routes show it: what the observer saw, and the service type its command line suggests.
 *
 * @param listener    the socket and its owner
 * @param serviceType the inferred type ({@code dev}, {@code api}, {@code database}, …) or {@code unknown}
 */
public record ObservedListener(Listener listener, String serviceType) {

    /** The type of a listener whose command line matches no rule, or whose owner cannot be seen. */
    public static final String UNKNOWN = "unknown";

    public ObservedListener {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(serviceType, "serviceType");
    }
}
