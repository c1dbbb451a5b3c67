package com.example.styxy.listenersfile;

import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;

import java.nio.file.Path;

/**
 * Provides the {@code listeners-file} observer. Its one option, {@code file}, names the listeners file
 * ({@code ~/} is the user's home); see {@link ListenersFile} for the format.
 */
public final class ListenersFileObserverProvider implements PortObserverProvider {

    /** The observer's name, and the key of its options in {@code config.json}. */
    public static final String NAME = "listeners-file";

    /** Required by {@link java.util.ServiceLoader}; does nothing. */
    public ListenersFileObserverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Lowest of all: it knows only what it is told, so it never replaces an observer that reads the kernel; it is
     * meant to be used beside one.
     */
    @Override
    public int priority() {
        return 1;
    }

    @Override
    public Availability availability() {
        return Availability.usable("reports the listeners declared in the file named by observers." + NAME
                + ".file");
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        String file = config.options().get("file");
        return new ListenersFileObserver(file == null || file.isBlank() ? null : expand(file.strip()));
    }

    private static Path expand(String file) {
        if (file.equals("~") || file.startsWith("~/")) {
            return Path.of(System.getProperty("user.home")).resolve(file.substring(Math.min(2, file.length())));
        }
        return Path.of(file);
    }
}
