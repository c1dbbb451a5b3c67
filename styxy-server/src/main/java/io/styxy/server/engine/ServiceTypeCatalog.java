package io.styxy.server.engine;

import io.styxy.api.ServiceType;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** An immutable set of service types by name. The engine swaps in a new catalog when a type is auto-allocated. */
public final class ServiceTypeCatalog {

    private final Map<String, CatalogEntry> entries;

    public ServiceTypeCatalog(Collection<CatalogEntry> entries) {
        Map<String, CatalogEntry> map = new LinkedHashMap<>();
        for (CatalogEntry entry : entries) {
            map.put(entry.type().name(), entry);
        }
        this.entries = Collections.unmodifiableMap(map);
    }

    public Optional<ServiceType> find(String name) {
        CatalogEntry entry = entries.get(name);
        return entry == null ? Optional.empty() : Optional.of(entry.type());
    }

    public Collection<CatalogEntry> entries() {
        return entries.values();
    }

    /** The type whose range holds {@code port}, if any. */
    public Optional<ServiceType> typeOfPort(int port) {
        for (CatalogEntry entry : entries.values()) {
            if (entry.type().range().contains(port)) {
                return Optional.of(entry.type());
            }
        }
        return Optional.empty();
    }

    public ServiceTypeCatalog with(CatalogEntry added) {
        Map<String, CatalogEntry> map = new LinkedHashMap<>(entries);
        map.put(added.type().name(), added);
        return new ServiceTypeCatalog(map.values());
    }
}
