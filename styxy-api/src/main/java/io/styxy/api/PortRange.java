package io.styxy.api;

/**
 * An inclusive range of TCP/UDP ports, {@code start..end}.
 *
 * @param start first port of the range, 1..65535
 * @param end   last port of the range, start..65535
 */
public record PortRange(int start, int end) {

    public PortRange {
        if (start < 1 || end > 65_535 || start > end) {
            throw new IllegalArgumentException(
                    "a port range must satisfy 1 <= start <= end <= 65535, got " + start + "-" + end);
        }
    }

    public static PortRange of(int start, int end) {
        return new PortRange(start, end);
    }

    public boolean contains(int port) {
        return port >= start && port <= end;
    }

    public int size() {
        return end - start + 1;
    }

    public boolean overlaps(PortRange other) {
        return start <= other.end && other.start <= end;
    }

    @Override
    public String toString() {
        return start + "-" + end;
    }
}
