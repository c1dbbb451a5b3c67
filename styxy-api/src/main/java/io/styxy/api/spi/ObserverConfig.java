package io.styxy.api.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration handed to {@link PortObserverProvider#create(ObserverConfig)}.
 *
 * @param toolTimeout     longest time an observer may spend on one scan (a forked tool is killed after it)
 * @param resolveOwners   whether to find the owning process of each socket (pid, command line, cwd, user)
 * @param options         free-form options from {@code config.json} ({@code observers.<name>.*})
 */
public record ObserverConfig(Duration toolTimeout, boolean resolveOwners, Map<String, String> options) {

    public ObserverConfig {
        Objects.requireNonNull(toolTimeout, "toolTimeout");
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    public static ObserverConfig defaults() {
        return new ObserverConfig(Duration.ofSeconds(2), true, Map.of());
    }
}
