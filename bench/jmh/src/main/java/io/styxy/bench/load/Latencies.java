package io.styxy.bench.load;

import java.util.Arrays;

/** Latency samples of one thread, in nanoseconds; merged and sorted at the end. */
public final class Latencies {

    private long[] samples = new long[1 << 16];
    private int size;

    public void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    public int size() {
        return size;
    }

    public static long[] merged(Iterable<Latencies> all) {
        int n = 0;
        for (Latencies l : all) {
            n += l.size;
        }
        long[] out = new long[n];
        int at = 0;
        for (Latencies l : all) {
            System.arraycopy(l.samples, 0, out, at, l.size);
            at += l.size;
        }
        Arrays.sort(out);
        return out;
    }

    /** The p-th percentile (0..100) of sorted samples, nearest rank. */
    public static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
