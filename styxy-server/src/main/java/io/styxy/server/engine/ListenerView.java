package io.styxy.server.engine;

import io.styxy.api.Listener;

import java.util.List;

/** The foreign listeners the engine must not collide with, as the active port observer sees them. */
public interface ListenerView {

    /** Listeners on one port, fresh enough to base a decision on. */
    List<Listener> listenersOn(int port);

    /**
     * Listeners on one port as last observed, up to about a second old. Allocation pairs this with a bind probe made
     * at that moment, which catches anything newer, so it need not pay for a fresh look at the machine per candidate.
     */
    default List<Listener> recentListenersOn(int port) {
        return listenersOn(port);
    }

    /** A view that sees nothing (no observer available): the bind probe alone then decides. */
    static ListenerView none() {
        return port -> List.of();
    }
}
