package io.styxy.bench;

import io.styxy.api.Protocol;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.StoreChange;
import io.styxy.server.store.Durability;
import io.styxy.server.store.SqliteLeaseStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The real store: {@link SqliteLeaseStore} (WAL, one writer thread, group commit) on a file in a fresh temporary
 * directory, fed by 8 producer threads. Each operation submits one lease change (a save or a delete, in turn) and
 * waits for its acknowledgement, so the score is acknowledged lease changes per second. Goal with
 * {@code durability=NORMAL}: at least 20,000/s; {@code FULL} is measured without a goal.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class StoreBench {

    @Param({"NORMAL", "FULL"})
    public String durability;

    /**
     * Directory for the database; empty: the user's home, the disk where the default {@code ~/.styxy} lives (a tmpfs
     * would hide the cost of fsync).
     */
    @Param({""})
    public String dir;

    private Path home;
    private SqliteLeaseStore store;
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path parent = Path.of(dir.isEmpty() ? System.getProperty("user.home") : dir);
        home = Files.createTempDirectory(parent, "styxy-store-bench");
        store = SqliteLeaseStore.open(home.resolve("styxy.db"), Durability.valueOf(durability));
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One producer: its own port, saving and deleting its lease in turn. */
    @State(Scope.Thread)
    public static class Producer {
        Lease lease;
        boolean saved;

        @Setup(Level.Trial)
        public void setUp(StoreBench bench) {
            int port = 20_000 + bench.threads.getAndIncrement();
            lease = new Lease(UUID.randomUUID().toString(), port, Protocol.TCP, "dev", "bench", "/work/project",
                    "default", null, Lease.Origin.API, Instant.now(), null, "styxy-bench", "127.0.0.1");
        }
    }

    @Benchmark
    public void leaseChange(Producer p) {
        StoreChange change = p.saved ? new StoreChange.LeaseDeleted(p.lease.lockId())
                : new StoreChange.LeaseSaved(p.lease);
        store.submit(change).join();
        p.saved = !p.saved;
    }
}
