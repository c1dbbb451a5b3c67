package io.styxy.server.plugins;

import io.styxy.server.engine.CatalogEntry;

import java.util.List;

/** The built-in service types alone, for callers that want the daemon's own types without any plugin. */
public final class ServiceTypeSources {

    private ServiceTypeSources() {
    }

    /**
     * Every type of every provider in the daemon's own module layer, source {@code builtin}; a failing provider is
     * logged and skipped. The daemon itself uses {@link Plugins#serviceTypes()}, which adds the plugins' types.
     */
    public static List<CatalogEntry> builtins() {
        return Plugins.builtinsOnly().serviceTypes();
    }
}
