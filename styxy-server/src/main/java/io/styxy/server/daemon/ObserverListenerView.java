package io.styxy.server.daemon;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.api.spi.ObserverException;
import io.styxy.server.engine.ListenerView;
import io.styxy.server.http.ObservationSource.ObserverInfo;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The best usable port observer found through {@link ServiceLoader}, asked about one port at a time. */
final class ObserverListenerView implements ListenerView, AutoCloseable {

    private final PortObserver observer;
    private final String name;
    private final List<ObserverInfo> providers;

    private ObserverListenerView(PortObserver observer, String name, List<ObserverInfo> providers) {
        this.observer = observer;
        this.name = name;
        this.providers = providers;
    }

    static ObserverListenerView best(String preferred) {
        List<PortObserverProvider> all = ServiceLoader.load(PortObserverProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(Comparator.comparingInt(PortObserverProvider::priority).reversed())
                .toList();
        List<PortObserverProvider> usable = all.stream().filter(p -> p.availability().usable()).toList();
        PortObserverProvider chosen = usable.stream().filter(p -> p.name().equals(preferred)).findFirst()
                .orElse(usable.isEmpty() ? null : usable.getFirst());
        List<ObserverInfo> infos = all.stream().map(p -> new ObserverInfo(p.name(), p.priority(),
                p.availability().usable(), p.availability().reason(), p == chosen)).toList();
        if (chosen == null) {
            return new ObserverListenerView(null, "none", infos);
        }
        return new ObserverListenerView(chosen.create(ObserverConfig.defaults()), chosen.name(), infos);
    }

    String name() {
        return name;
    }

    /** Every provider found, usable or not, and which one is in use. */
    List<ObserverInfo> providers() {
        return providers;
    }

    /** Every listener on the machine (that this user can see); throws when the observer fails. */
    List<Listener> snapshot() throws ObserverException {
        return observer == null ? List.of() : observer.listeners();
    }

    @Override
    public List<Listener> listenersOn(int port) {
        if (observer == null) {
            return List.of();
        }
        try {
            return observer.listeners(port);
        } catch (Exception e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        if (observer != null) {
            observer.close();
        }
    }
}
