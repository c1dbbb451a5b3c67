package io.styxy.server.http;

import io.styxy.api.Listener;

import java.util.List;
import java.util.Map;

/**
 * What the HTTP adapter needs from port observation: the machine's listeners with an inferred service type, the
 * observer's own health, and which observers exist. The daemon adapts its observer to this.
 */
public interface ObservationSource {

    /** Name of the observer in use, or {@code none}. */
    String observer();

    /** A snapshot of every listener this user can see, each with its inferred service type. */
    List<ObservedListener> listeners();

    /**
     * The observer's health and statistics as a JSON-ready map. Keys the adapter reads when present:
     * {@code scans}, {@code failures}, {@code timeouts} (numbers), {@code last_scan_at}, {@code last_failure_at}
     * (ISO-8601 strings or null), {@code last_error} (string or null), {@code healthy} (boolean).
     */
    Map<String, Object> report();

    /** Every observer provider found, usable or not. */
    List<ObserverInfo> observers();

    /**
     * A listener and the service type its command line or port suggests.
     *
     * @param listener    the socket
     * @param serviceType inferred type, or {@code null} when nothing fits
     */
    record ObservedListener(Listener listener, String serviceType) {
    }

    /**
     * One observer provider.
     *
     * @param name     provider name
     * @param priority its priority
     * @param usable   whether it can run here
     * @param reason   why not, or what it uses
     * @param active   whether it is the one in use
     */
    record ObserverInfo(String name, int priority, boolean usable, String reason, boolean active) {
    }

    /** No observer at all. */
    static ObservationSource none() {
        return new ObservationSource() {
            @Override
            public String observer() {
                return "none";
            }

            @Override
            public List<ObservedListener> listeners() {
                return List.of();
            }

            @Override
            public Map<String, Object> report() {
                return Map.of("healthy", true, "scans", 0, "failures", 0, "timeouts", 0);
            }

            @Override
            public List<ObserverInfo> observers() {
                return List.of();
            }
        };
    }
}
