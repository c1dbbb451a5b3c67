package io.styxy.server.engine;

import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;

/** Persists service types the engine creates (auto-allocated ranges), so they survive a restart. */
public interface ServiceTypeWriter {

    /**
     * Makes the new or grown type durable (user config, with a backup and an audit entry). Throws if it cannot;
     * the engine then does not use the type.
     *
     * @param previous the range before growing, or {@code null} for a new type
     */
    void persistAutoType(ServiceType type, PortRange previous);

    /** A writer that keeps nothing (tests, or a daemon without a writable home). */
    static ServiceTypeWriter inMemory() {
        return (type, previous) -> {
        };
    }
}
