package io.styxy.server.engine;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How ranges are made for service types nobody defined (the original's {@code auto_allocation} settings).
 *
 * @param enabled          whether unknown types get a range at all
 * @param defaultChunkSize ports per new range when no rule matches
 * @param placement        where new ranges go
 * @param minPort          lowest port a new range may use
 * @param maxPort          highest port a new range may use
 * @param gapSize          free ports kept between ranges
 * @param rules            first matching rule sets the chunk size
 */
public record AutoRangePolicy(boolean enabled, int defaultChunkSize, Placement placement, int minPort, int maxPort,
                              int gapSize, List<ChunkRule> rules) {

    public enum Placement { AFTER, BEFORE, SMART }

    /** {@code pattern} is a glob where {@code *} matches anything. */
    public record ChunkRule(String pattern, int chunkSize) {

        public boolean matches(String typeName) {
            StringBuilder regex = new StringBuilder();
            for (String part : pattern.split("\\*", -1)) {
                if (!regex.isEmpty()) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(part));
            }
            return Pattern.matches(regex.toString(), typeName);
        }
    }

    public AutoRangePolicy {
        rules = List.copyOf(rules == null ? List.of() : rules);
        if (defaultChunkSize < 1 || defaultChunkSize > 1000) {
            throw new IllegalArgumentException("auto_allocation.default_chunk_size must be 1..1000, got "
                    + defaultChunkSize);
        }
        if (gapSize < 0 || gapSize > 1000) {
            throw new IllegalArgumentException("auto_allocation.gap_size must be 0..1000, got " + gapSize);
        }
        if (minPort < 1024 || maxPort > 65_535 || minPort >= maxPort) {
            throw new IllegalArgumentException("auto_allocation needs 1024 <= min_port < max_port <= 65535, got "
                    + minPort + ".." + maxPort);
        }
    }

    /** The shipped defaults: on, 10-port chunks placed after the last range, 10-port gaps, within 10000..49151. */
    public static AutoRangePolicy defaults() {
        return new AutoRangePolicy(true, 10, Placement.AFTER, 10_000, 49_151, 10,
                List.of(new ChunkRule("monitoring-*", 20), new ChunkRule("database-*", 5)));
    }

    public int chunkSizeFor(String typeName) {
        for (ChunkRule rule : rules) {
            if (rule.matches(typeName)) {
                return rule.chunkSize();
            }
        }
        return defaultChunkSize;
    }
}
