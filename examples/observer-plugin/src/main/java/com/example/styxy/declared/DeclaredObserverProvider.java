package com.example.styxy.declared;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Provides the {@code declared} observer. Its one option, {@code file}, names the declarations file ({@code ~/} is
 * the user's home); without it the observer reads {@code $STYXY_HOME/declared-ports} (default
 * {@code ~/.styxy/declared-ports}) when that file exists. See {@link DeclaredPorts} for the format.
 */
public final class DeclaredObserverProvider implements PortObserverProvider {

    /** The observer's name, and the key of its options in {@code config.json}. */
    public static final String NAME = "declared";

    private final Path proc;
    private final Map<String, String> environment;

    /** Required by {@link java.util.ServiceLoader}; does nothing. */
    public DeclaredObserverProvider() {
        this(Path.of("/proc"), System.getenv());
    }

    DeclaredObserverProvider(Path proc, Map<String, String> environment) {
        this.proc = proc;
        this.environment = environment;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Below the daemon's own observers (10 to 100): it is used when asked for by name. */
    @Override
    public int priority() {
        return 5;
    }

    @Override
    public Availability availability() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Availability.unusable("needs Linux: it reads /proc/net");
        }
        if (!Files.isReadable(proc.resolve("net/tcp"))) {
            return Availability.unusable(proc.resolve("net/tcp") + " is not readable");
        }
        return Availability.usable("reads /proc/net/{tcp,tcp6,udp,udp6} (no owners) and the ports declared in"
                + " observers." + NAME + ".file or $STYXY_HOME/declared-ports");
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        String file = config.options().get("file");
        if (file != null && !file.isBlank()) {
            return new DeclaredObserver(proc, expand(file.strip()), true);
        }
        String home = environment.get("STYXY_HOME");
        Path stateDir = home == null || home.isBlank() ? expand("~/.styxy") : Path.of(home);
        return new DeclaredObserver(proc, stateDir.resolve("declared-ports"), false);
    }

    private static Path expand(String file) {
        if (file.equals("~") || file.startsWith("~/")) {
            return Path.of(System.getProperty("user.home")).resolve(file.substring(Math.min(2, file.length())));
        }
        return Path.of(file);
    }
}
