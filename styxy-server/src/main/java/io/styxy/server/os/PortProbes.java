package io.styxy.server.os;

import io.styxy.server.engine.PortProbe;

/** Picks the bind probe the daemon uses. */
public final class PortProbes {

    private PortProbes() {
    }

    /**
     * The system-call probe ({@link NativePortProbe}) where the C library can be linked, else the JDK-channel one
     * ({@link SocketPortProbe}); both answer the same for every port.
     */
    public static PortProbe best() {
        try {
            return new NativePortProbe();
        } catch (RuntimeException | LinkageError e) {
            return new SocketPortProbe();
        }
    }
}
