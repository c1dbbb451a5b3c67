package io.styxy.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The benchmark thread's own CPU time (user + system) per iteration, beside JMH's wall-clock score. On a machine
 * whose cores are shared with other work, the wall-clock rate falls whenever the thread is not scheduled; operations
 * per CPU-second is the rate on one core that is ours alone. JMH reports the two counters as secondary results
 * ({@code ops} and {@code cpuNanos}, per iteration); {@code bench/run} divides them.
 */
@AuxCounters(AuxCounters.Type.EVENTS)
@State(Scope.Thread)
public class CpuTime {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int EVERY = 1024;

    /** Operations counted in this iteration. */
    public long ops;
    /** CPU time of the benchmark thread up to the last multiple of {@value EVERY} operations, in nanoseconds. */
    public long cpuNanos;
    private long start;
    private long counted;

    @Setup(Level.Iteration)
    public void begin() {
        ops = 0;
        counted = 0;
        cpuNanos = 0;
        start = THREADS.getCurrentThreadCpuTime();
    }

    /** Call once per operation; reads the CPU clock every {@value EVERY} operations. */
    public void tick() {
        if (++counted % EVERY == 0) {
            ops = counted;
            cpuNanos = THREADS.getCurrentThreadCpuTime() - start;
        }
    }
}
