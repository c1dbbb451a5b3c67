package io.styxy.observers.procfs;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;

import java.nio.file.Files;
import java.nio.file.Path;

/** Provides the procfs observer on Linux. */
public final class ProcfsObserverProvider implements PortObserverProvider {

    /** Required by {@link java.util.ServiceLoader}; does nothing. */
    public ProcfsObserverProvider() {
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
        Path root = Path.of("/proc");
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Availability.unusable("procfs needs Linux");
        }
        if (!Files.isReadable(root.resolve("net/tcp"))) {
            return Availability.unusable("/proc/net/tcp is not readable");
        }
        return Availability.usable("reads /proc/net/{tcp,tcp6,udp,udp6} and /proc/<pid>/fd");
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        return new ProcfsObserver(Path.of("/proc"), config.resolveOwners());
    }
}
