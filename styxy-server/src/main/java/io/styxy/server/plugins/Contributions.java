package io.styxy.server.plugins;

import io.styxy.api.ServiceType;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.PortObserverProvider;

/** What one source (the built-ins or one plugin) brings: service types and observer providers. */
final class Contributions {

    private Contributions() {
    }

    /**
     * One service type and who defined it.
     *
     * @param type     the type
     * @param source   {@code builtin} or {@code plugin:<name>}
     * @param provider the provider's {@code name()}
     * @param module   the provider's module, or {@code null} on the class path
     * @param version  that module's version, or {@code null}
     */
    record TypeContribution(ServiceType type, String source, String provider, String module, String version) {
    }

    /**
     * One observer provider and who supplied it; its answers are read once, when it is loaded.
     *
     * @param provider     the provider
     * @param name         its {@code name()}
     * @param source       {@code builtin} or {@code plugin:<name>}
     * @param module       its module, or {@code null} on the class path
     * @param version      that module's version, or {@code null}
     * @param priority     its {@code priority()}
     * @param availability its {@code availability()}
     */
    record ObserverContribution(PortObserverProvider provider, String name, String source, String module,
                                String version, int priority, Availability availability) {
    }
}
