package io.styxy.api.spi;

import io.styxy.api.ServiceType;

import java.util.List;

/**
 * Supplies service types to the daemon. Found with {@link java.util.ServiceLoader}: the built-in types come from
 * the {@code io.styxy.servicetypes} module, more from plugin jars in {@code $STYXY_HOME/plugins/<name>/}.
 *
 * <p>Implementations need a public no-argument constructor that does no work; the types are asked for later.
 * SPI version {@value #SPI_VERSION}: methods may be added with default implementations, never removed.
 */
public interface ServiceTypeProvider {

    /** Version of this SPI; a plugin built against a newer major version is refused. */
    int SPI_VERSION = 1;

    /** Short, stable name of this provider, shown by {@code styxy plugins list}. */
    String name();

    /** The service types this provider defines. Called once per load; may throw, and the provider is then skipped. */
    List<ServiceType> serviceTypes();
}
