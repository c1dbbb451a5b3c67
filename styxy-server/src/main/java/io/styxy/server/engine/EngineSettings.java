package io.styxy.server.engine;

import io.styxy.api.PortRange;

import java.time.Duration;

/**
 * Tunables of the engine.
 *
 * @param heartbeatInterval   how often instances are expected to beat
 * @param missedHeartbeats    beats an instance may miss before it and its leases are dropped
 * @param suggestionHold      how long a suggested port is kept from other callers
 * @param reassignmentHistory how many reassignment records are kept in memory
 * @param autoRanges          policy for unknown service types
 * @param ephemeralRange      the kernel's ephemeral port range, which auto ranges avoid; may be {@code null}
 */
public record EngineSettings(Duration heartbeatInterval, int missedHeartbeats, Duration suggestionHold,
                             int reassignmentHistory, AutoRangePolicy autoRanges, PortRange ephemeralRange) {

    public static EngineSettings defaults() {
        return new EngineSettings(Duration.ofSeconds(30), 3, Duration.ofSeconds(10), 1000,
                AutoRangePolicy.defaults(), null);
    }

    public Duration instanceTtl() {
        return heartbeatInterval.multipliedBy(missedHeartbeats);
    }

    public EngineSettings withAutoRanges(AutoRangePolicy policy) {
        return new EngineSettings(heartbeatInterval, missedHeartbeats, suggestionHold, reassignmentHistory, policy,
                ephemeralRange);
    }

    public EngineSettings withEphemeralRange(PortRange range) {
        return new EngineSettings(heartbeatInterval, missedHeartbeats, suggestionHold, reassignmentHistory, autoRanges,
                range);
    }

    public EngineSettings withHeartbeat(Duration interval, int missed) {
        return new EngineSettings(interval, missed, suggestionHold, reassignmentHistory, autoRanges, ephemeralRange);
    }
}
