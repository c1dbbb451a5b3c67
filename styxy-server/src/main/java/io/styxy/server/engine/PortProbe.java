package io.styxy.server.engine;

import io.styxy.api.Protocol;

/** Asks the OS whether a port can be bound right now. */
public interface PortProbe {

    /**
     * Whether {@code port} can be bound on 0.0.0.0, ::, 127.0.0.1 and ::1 alike. An error while probing counts as
     * "no": the engine fails closed.
     */
    boolean canBind(int port, Protocol protocol);
}
