package io.styxy.observers.netstat;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.ProcessCache;
import io.styxy.observers.support.Tools;
import io.styxy.observers.support.Users;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Provides the netstat observer where net-tools' {@code netstat} is on {@code PATH}. Linux only: the BSD and macOS
 * netstat has no {@code -p} and prints another format.
 */
public final class NetstatObserverProvider implements PortObserverProvider {

    private final String searchPath;

    /** Required by {@link java.util.ServiceLoader}; does nothing. Looks for {@code netstat} on this process's PATH. */
    public NetstatObserverProvider() {
        this(System.getenv("PATH"));
    }

    /** Looks for the tool on another {@code PATH} (tests, or a daemon that pins its tool directories). */
    NetstatObserverProvider(String searchPath) {
        this.searchPath = searchPath;
    }

    @Override
    public String name() {
        return "netstat";
    }

    @Override
    public int priority() {
        return 10;
    }

    private Optional<Path> tool() {
        return Tools.findOnPath("netstat", searchPath);
    }

    @Override
    public Availability availability() {
        if (!Tools.isLinux()) {
            return Availability.unusable("the netstat observer reads net-tools output, which is Linux-only");
        }
        return tool().map(p -> Availability.usable("forks " + p + " " + String.join(" ", NetstatObserver.ARGS)
                        + " per scan"))
                .orElseGet(() -> Availability.unusable("netstat is not on PATH (" + searchPath
                        + "); install net-tools"));
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        Path netstat = tool().orElseThrow(() -> new IllegalStateException("netstat is not on PATH ("
                + searchPath + ")"));
        return new NetstatObserver(netstat, config.toolTimeout(), ProcessCache.forConfig(Path.of("/proc"), config.resolveOwners()),
                Users.system());
    }
}
