package io.styxy.observers.procfs;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.Tools;
import io.styxy.observers.support.Users;

import java.nio.file.Files;
import java.nio.file.Path;

/** Provides the procfs observer on Linux. */
public final class ProcfsObserverProvider implements PortObserverProvider {

    private final Path proc;

    /** Required by {@link java.util.ServiceLoader}; does nothing. */
    public ProcfsObserverProvider() {
        this(Path.of("/proc"));
    }

    ProcfsObserverProvider(Path proc) {
        this.proc = proc;
    }

    @Override
    public String name() {
        return "procfs";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability availability() {
        if (!Tools.isLinux()) {
            return Availability.unusable("procfs needs Linux (os.name is " + System.getProperty("os.name") + ")");
        }
        if (!Files.isReadable(proc.resolve("net/tcp"))) {
            return Availability.unusable(proc.resolve("net/tcp") + " is not readable");
        }
        return Availability.usable("reads " + proc + "/net/{tcp,tcp6,udp,udp6} and " + proc + "/<pid>/fd, no fork");
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        return new ProcfsObserver(proc, config.resolveOwners(), Users.system());
    }
}
