package io.styxy.observers.lsof;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.ProcessCache;
import io.styxy.observers.support.Tools;
import io.styxy.observers.support.Users;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Provides the lsof observer on Linux, macOS and the BSDs wherever {@code lsof} is on {@code PATH}. Without procfs
 * (macOS) the command line and working directory stay empty: lsof's own command name is all there is.
 */
public final class LsofObserverProvider implements PortObserverProvider {

    private final String searchPath;

    /** Required by {@link java.util.ServiceLoader}; does nothing. Looks for {@code lsof} on this process's PATH. */
    public LsofObserverProvider() {
        this(System.getenv("PATH"));
    }

    /** Looks for the tool on another {@code PATH} (tests, or a daemon that pins its tool directories). */
    LsofObserverProvider(String searchPath) {
        this.searchPath = searchPath;
    }

    @Override
    public String name() {
        return "lsof";
    }

    @Override
    public int priority() {
        return 20;
    }

    private Optional<Path> tool() {
        return Tools.findOnPath("lsof", searchPath);
    }

    @Override
    public Availability availability() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return Availability.unusable("lsof does not exist on Windows");
        }
        return tool().map(p -> Availability.usable("forks " + p + " " + String.join(" ", LsofObserver.args(-1))
                        + " per scan; as a non-root user it sees only that user's processes"))
                .orElseGet(() -> Availability.unusable("lsof is not on PATH (" + searchPath + "); install lsof"));
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        Path lsof = tool().orElseThrow(() -> new IllegalStateException("lsof is not on PATH (" + searchPath + ")"));
        return new LsofObserver(lsof, config.toolTimeout(), ProcessCache.forConfig(Path.of("/proc"), config.resolveOwners()), Users.system());
    }
}
