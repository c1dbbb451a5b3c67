package io.styxy.observers.ss;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.ProcessCache;
import io.styxy.observers.support.Tools;
import io.styxy.observers.support.Users;

import java.nio.file.Path;
import java.util.Optional;

/** Provides the {@code ss} observer where iproute2's {@code ss} is on {@code PATH} (Linux). */
public final class SsObserverProvider implements PortObserverProvider {

    private final String searchPath;

    /** Required by {@link java.util.ServiceLoader}; does nothing. Looks for {@code ss} on this process's PATH. */
    public SsObserverProvider() {
        this(System.getenv("PATH"));
    }

    /** Looks for the tool on another {@code PATH} (tests, or a daemon that pins its tool directories). */
    SsObserverProvider(String searchPath) {
        this.searchPath = searchPath;
    }

    @Override
    public String name() {
        return "ss";
    }

    @Override
    public int priority() {
        return 30;
    }

    private Optional<Path> tool() {
        return Tools.findOnPath("ss", searchPath);
    }

    @Override
    public Availability availability() {
        if (!Tools.isLinux()) {
            return Availability.unusable("ss (iproute2) is Linux-only");
        }
        return tool().map(p -> Availability.usable("forks " + p + " " + String.join(" ", SsObserver.ARGS)
                        + " per scan"))
                .orElseGet(() -> Availability.unusable("ss is not on PATH (" + searchPath
                        + "); install iproute2"));
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        Path ss = tool().orElseThrow(() -> new IllegalStateException("ss is not on PATH (" + searchPath + ")"));
        return new SsObserver(ss, config.toolTimeout(), ProcessCache.forConfig(Path.of("/proc"), config.resolveOwners()), Users.system());
    }
}
