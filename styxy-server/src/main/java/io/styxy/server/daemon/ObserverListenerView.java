package io.styxy.server.daemon;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.server.engine.ListenerView;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The best usable port observer found through {@link ServiceLoader}, asked about one port at a time. */
final class ObserverListenerView implements ListenerView, AutoCloseable {

    private final PortObserver observer;
    private final String name;

    private ObserverListenerView(PortObserver observer, String name) {
        this.observer = observer;
        this.name = name;
    }

    static ObserverListenerView best(String preferred) {
        List<PortObserverProvider> usable = ServiceLoader.load(PortObserverProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.availability().usable())
                .sorted(Comparator.comparingInt(PortObserverProvider::priority).reversed())
                .toList();
        PortObserverProvider chosen = usable.stream().filter(p -> p.name().equals(preferred)).findFirst()
                .orElse(usable.isEmpty() ? null : usable.getFirst());
        if (chosen == null) {
            return new ObserverListenerView(null, "none");
        }
        return new ObserverListenerView(chosen.create(ObserverConfig.defaults()), chosen.name());
    }

    String name() {
        return name;
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
