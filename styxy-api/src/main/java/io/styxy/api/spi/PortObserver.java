package io.styxy.api.spi;

import io.styxy.api.Listener;

import java.util.List;

/**
 * Reports the listening sockets of this machine. Created by a {@link PortObserverProvider}.
 *
 * <p>Implementations must be safe to call from several threads and must never block longer than the configured
 * tool timeout.
 */
public interface PortObserver extends AutoCloseable {

    /** Every TCP listener and bound, unconnected UDP socket on the machine that this user can see. */
    List<Listener> listeners() throws ObserverException;

    /**
     * The listeners on one port. The default filters {@link #listeners()}; observers that can ask the kernel about
     * one port directly should override it.
     */
    default List<Listener> listeners(int port) throws ObserverException {
        return listeners().stream().filter(l -> l.port() == port).toList();
    }

    @Override
    default void close() {
    }
}
