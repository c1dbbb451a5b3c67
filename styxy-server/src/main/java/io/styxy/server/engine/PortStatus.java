package io.styxy.server.engine;

import io.styxy.api.Listener;

import java.util.List;

/**
 * Everything the daemon knows about one port.
 *
 * @param port        the port
 * @param available   whether a request for exactly this port would get it now
 * @param lease       the live lease on it, or {@code null}
 * @param listeners   foreign listeners on it (any address, both families)
 * @param quarantined whether it waits for its dead owner's socket to go away
 * @param held        whether it is held as a suggestion for another caller
 * @param bindable    what the four-address bind probe said
 */
public record PortStatus(int port, boolean available, Lease lease, List<Listener> listeners, boolean quarantined,
                         boolean held, boolean bindable) {
}
