package io.styxy.server.observe;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Providers and observers whose behaviour a test sets. */
final class FakeObservers {

    private FakeObservers() {
    }

    static Listener listener(int port, long pid, String commandLine) {
        return new Listener(Protocol.TCP, AddressFamily.IPV4, "127.0.0.1", port, pid, "fake", commandLine, "/", "dev",
                0);
    }

    /** An observer that returns what the test puts in {@link #listeners}, optionally slowly or failing. */
    static final class Scripted implements PortObserver {
        final List<Listener> listeners = new CopyOnWriteArrayList<>();
        volatile Duration scanDelay = Duration.ZERO;
        volatile Duration checkDelay = Duration.ZERO;
        volatile String failWith;
        final AtomicInteger scans = new AtomicInteger();
        final AtomicInteger checks = new AtomicInteger();
        volatile boolean closed;

        @Override
        public List<Listener> listeners() throws ObserverException {
            scans.incrementAndGet();
            sleep(scanDelay);
            if (failWith != null) {
                throw new ObserverException(failWith);
            }
            return List.copyOf(listeners);
        }

        @Override
        public List<Listener> listeners(int port) throws ObserverException {
            checks.incrementAndGet();
            sleep(checkDelay);
            if (failWith != null) {
                throw new ObserverException(failWith);
            }
            return listeners.stream().filter(l -> l.port() == port).toList();
        }

        private static void sleep(Duration d) {
            if (!d.isZero()) {
                try {
                    Thread.sleep(d);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A provider with a fixed name, priority and availability, creating a given observer. */
    record Provider(String name, int priority, Availability availability, PortObserver observer)
            implements PortObserverProvider {

        static Provider usable(String name, int priority, PortObserver observer) {
            return new Provider(name, priority, Availability.usable("fake " + name), observer);
        }

        static Provider unusable(String name, int priority, String why) {
            return new Provider(name, priority, Availability.unusable(why), new Scripted());
        }

        @Override
        public PortObserver create(ObserverConfig config) {
            return observer;
        }
    }
}
