package io.styxy.api.spi;

/**
 * A factory for a {@link PortObserver}, in the style of {@code java.net.spi.InetAddressResolverProvider}: it has a
 * name, says whether it can work on this machine, and creates the observer from a configuration.
 *
 * <p>Found with {@link java.util.ServiceLoader}. Implementations need a public no-argument constructor that does no
 * work: checks belong in {@link #availability()}, resources in {@link #create(ObserverConfig)}.
 */
public interface PortObserverProvider {

    /** Short, stable name ({@code procfs}, {@code ss}, {@code lsof}, {@code netstat}, …) used in config and CLI. */
    String name();

    /**
     * Preference among usable observers; the daemon picks the highest. Built-ins use 100 (fast in-process readers)
     * down to 10 (tools that are forked).
     */
    int priority();

    /** Whether this observer can run here (right OS, tool installed, files readable), and if not, why. */
    Availability availability();

    /** Creates the observer. Called only when {@link #availability()} said it is usable. */
    PortObserver create(ObserverConfig config);
}
