package io.styxy.server.engine;

import io.styxy.api.Listener;

import java.util.List;

/** The foreign listeners the engine must not collide with, as the active port observer sees them. */
public interface ListenerView {

    /** Listeners on one port, fresh enough to base a decision on. */
    List<Listener> listenersOn(int port);

    /** A view that sees nothing (no observer available): the bind probe alone then decides. */
    static ListenerView none() {
        return port -> List.of();
    }
}
