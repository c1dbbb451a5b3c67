package io.styxy.server.engine;

import io.styxy.api.PortRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses a range for a new service type. Every placement honours min/max and keeps {@code gap} free ports to
 * every existing range and to the kernel's ephemeral range, so a new range never overlaps anything.
 */
public final class AutoRangePlanner {

    private AutoRangePlanner() {
    }

    /**
     * @param chunk     ports wanted
     * @param existing  ranges already in use
     * @param ephemeral the kernel's ephemeral range, kept clear; may be {@code null}
     */
    public static Optional<PortRange> plan(int chunk, AutoRangePolicy policy, List<PortRange> existing,
                                           PortRange ephemeral) {
        List<PortRange> blocked = new ArrayList<>(existing);
        if (ephemeral != null) {
            blocked.add(ephemeral);
        }
        blocked.sort(Comparator.comparingInt(PortRange::start));
        int gap = policy.gapSize();
        return switch (policy.placement()) {
            case AFTER -> after(chunk, policy, blocked, gap);
            case BEFORE -> before(chunk, policy, blocked, gap);
            case SMART -> firstFit(chunk, policy, blocked, gap);
        };
    }

    /** Above the highest range that lies inside min..max; if none fits there, the first gap that does. */
    private static Optional<PortRange> after(int chunk, AutoRangePolicy policy, List<PortRange> blocked, int gap) {
        int start = policy.minPort();
        for (PortRange r : blocked) {
            if (r.end() >= policy.minPort() && r.start() <= policy.maxPort()) {
                start = Math.max(start, r.end() + gap + 1);
            }
        }
        Optional<PortRange> candidate = fit(start, chunk, policy, blocked, gap);
        return candidate.isPresent() ? candidate : firstFit(chunk, policy, blocked, gap);
    }

    /** Below the lowest range inside min..max; if none fits there, the first gap that does. */
    private static Optional<PortRange> before(int chunk, AutoRangePolicy policy, List<PortRange> blocked, int gap) {
        int end = policy.maxPort();
        for (PortRange r : blocked) {
            if (r.end() >= policy.minPort() && r.start() <= policy.maxPort()) {
                end = Math.min(end, r.start() - gap - 1);
            }
        }
        Optional<PortRange> candidate = fit(end - chunk + 1, chunk, policy, blocked, gap);
        return candidate.isPresent() ? candidate : firstFit(chunk, policy, blocked, gap);
    }

    /** The lowest start within min..max whose range keeps the gap to every blocked range. */
    private static Optional<PortRange> firstFit(int chunk, AutoRangePolicy policy, List<PortRange> blocked, int gap) {
        int start = policy.minPort();
        while (start + chunk - 1 <= policy.maxPort()) {
            PortRange clash = clash(start, chunk, blocked, gap);
            if (clash == null) {
                return Optional.of(PortRange.of(start, start + chunk - 1));
            }
            start = clash.end() + gap + 1;
        }
        return Optional.empty();
    }

    private static Optional<PortRange> fit(int start, int chunk, AutoRangePolicy policy, List<PortRange> blocked,
                                           int gap) {
        if (start < policy.minPort() || start + chunk - 1 > policy.maxPort()) {
            return Optional.empty();
        }
        return clash(start, chunk, blocked, gap) == null
                ? Optional.of(PortRange.of(start, start + chunk - 1)) : Optional.empty();
    }

    private static PortRange clash(int start, int chunk, List<PortRange> blocked, int gap) {
        int lo = start - gap;
        int hi = start + chunk - 1 + gap;
        for (PortRange r : blocked) {
            if (r.start() <= hi && lo <= r.end()) {
                return r;
            }
        }
        return null;
    }
}
