package io.styxy.server.testing;

import io.styxy.api.Listener;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineSettings;
import io.styxy.server.engine.ListenerView;
import io.styxy.server.engine.ServiceTypeCatalog;
import io.styxy.server.engine.ServiceTypeWriter;
import io.styxy.server.plugins.ServiceTypeSources;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An engine with the built-in service types (loaded through ServiceLoader, as the daemon does) and in-memory fakes
 * at every edge.
 */
public final class EngineFixture {

    public final FakeProcessTable processes = new FakeProcessTable();
    public final FakePortProbe probe = new FakePortProbe();
    public final InMemoryLeaseStore store = new InMemoryLeaseStore();
    public final MutableClock clock = new MutableClock();
    public final Map<Integer, List<Listener>> listeners = new ConcurrentHashMap<>();
    public final List<io.styxy.api.ServiceType> persistedTypes = new ArrayList<>();
    public final ListenerView listenerView = port -> listeners.getOrDefault(port, List.of());

    public Engine engine() {
        return engine(EngineSettings.defaults());
    }

    public Engine engine(EngineSettings settings) {
        return engine(settings, ServiceTypeSources.builtins());
    }

    public Engine engine(EngineSettings settings, List<CatalogEntry> catalog) {
        ServiceTypeWriter writer = (type, previous) -> {
            synchronized (persistedTypes) {
                persistedTypes.add(type);
            }
        };
        return new Engine(new ServiceTypeCatalog(catalog), settings, clock, processes, probe, listenerView, store,
                writer);
    }
}
