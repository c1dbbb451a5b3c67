package io.styxy.server.testing;

import io.styxy.api.Protocol;
import io.styxy.server.engine.PortProbe;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A bind probe the test controls: ports are free unless marked busy. */
public final class FakePortProbe implements PortProbe {

    private final Set<Integer> busy = ConcurrentHashMap.newKeySet();
    private final AtomicLong probes = new AtomicLong();
    private volatile boolean failing;

    public FakePortProbe busy(int... ports) {
        for (int port : ports) {
            busy.add(port);
        }
        return this;
    }

    public FakePortProbe free(int port) {
        busy.remove(port);
        return this;
    }

    /** Every probe throws, as an OS error would. */
    public void failing(boolean failing) {
        this.failing = failing;
    }

    public long probes() {
        return probes.get();
    }

    @Override
    public boolean canBind(int port, Protocol protocol) {
        probes.incrementAndGet();
        if (failing) {
            throw new IllegalStateException("probe failed");
        }
        return !busy.contains(port);
    }
}
