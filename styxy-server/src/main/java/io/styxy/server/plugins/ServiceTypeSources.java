package io.styxy.server.plugins;

import io.styxy.api.ServiceType;
import io.styxy.api.spi.ServiceTypeProvider;
import io.styxy.server.engine.CatalogEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Collects service types from the providers of the boot layer (the built-ins). */
public final class ServiceTypeSources {

    private static final Logger LOG = Logger.getLogger(ServiceTypeSources.class.getName());

    private ServiceTypeSources() {
    }

    /** Every type of every provider found by {@link ServiceLoader}; a failing provider is logged and skipped. */
    public static List<CatalogEntry> builtins() {
        List<CatalogEntry> entries = new ArrayList<>();
        for (ServiceLoader.Provider<ServiceTypeProvider> provider
                : ServiceLoader.load(ServiceTypeProvider.class).stream().toList()) {
            try {
                ServiceTypeProvider p = provider.get();
                String source = p.name().equals("builtin") ? "builtin" : "plugin:" + p.name();
                for (ServiceType type : p.serviceTypes()) {
                    entries.add(new CatalogEntry(type, source));
                }
            } catch (RuntimeException | java.util.ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "styxy: service type provider " + provider.type().getName()
                        + " failed and was skipped: " + e.getMessage());
            }
        }
        return entries;
    }
}
