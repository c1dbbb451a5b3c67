package io.styxy.server.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The state of observation, for {@code styxy doctor} and {@code /observation-stats}.
 *
 * @param activeObserver   name of the observer in use, or {@code null} when none is usable
 * @param notes            why this observer: a forced one that could not be used, a fallback after failures
 * @param providers        every provider found, best first
 * @param snapshotAt       when the current snapshot was taken, or {@code null} before the first scan
 * @param lastScanAt       when the last scan (successful or not) ended, or {@code null}
 * @param lastScanDuration how long the last successful scan took, or {@code null}
 * @param scanCount        successful full scans
 * @param checkCount       single-port checks served
 * @param errorCount       failed or timed-out scans and checks
 * @param lastError        the last failure, or {@code null}
 * @param lastErrorAt      when it happened, or {@code null}
 * @param listenerCount    listeners in the current snapshot
 */
public record ObserverReport(String activeObserver, List<String> notes, List<ProviderStatus> providers,
                             Instant snapshotAt, Instant lastScanAt, Duration lastScanDuration, long scanCount,
                             long checkCount, long errorCount, String lastError, Instant lastErrorAt,
                             int listenerCount) {

    public ObserverReport {
        notes = List.copyOf(notes);
        providers = List.copyOf(providers);
    }

    /**
     * One provider as the hub judged it.
     *
     * @param name     provider name
     * @param priority its priority (higher is preferred)
     * @param usable   whether it said it can run here
     * @param reason   its availability reason (what it uses, or why not)
     * @param active   whether it is the one in use
     */
    public record ProviderStatus(String name, int priority, boolean usable, String reason, boolean active) {
    }
}
