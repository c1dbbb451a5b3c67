package io.styxy.bench;

import io.styxy.server.engine.Allocation;
import io.styxy.server.engine.AllocationRequest;
import io.styxy.server.engine.Engine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The engine alone: one allocate + release pair of a {@code dev} lease on one thread, with the OS probe, the
 * process table and the store replaced by in-memory fakes. Goal: at least 500,000 pairs/s on one core: besides
 * the wall-clock score, {@link CpuTime} gives pairs per CPU-second of the benchmark thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx256m"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class EngineBench {

    private Engine engine;
    private final AllocationRequest request = AllocationRequest.of("dev");

    @Setup
    public void setUp() {
        engine = Fakes.engine();
    }

    /** One pair: the lease is granted (durable in the fake store) and released again. */
    @Benchmark
    public int allocateRelease(CpuTime cpu) {
        Allocation a = engine.allocate(request);
        int port = engine.release(((Allocation.Granted) a).lease().lockId()).port();
        cpu.tick();
        return port;
    }
}
