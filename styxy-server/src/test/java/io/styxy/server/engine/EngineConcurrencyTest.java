package io.styxy.server.engine;

import io.styxy.server.testing.EngineFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** 64 threads × 10,000 random allocate/release/renew operations: never two live leases on one port. */
class EngineConcurrencyTest {

    private static final int THREADS = 64;
    private static final int OPERATIONS = 10_000;
    private static final String[] TYPES = {"dev", "api", "storybook", "ai", "docs"};

    @Test
    void neverTwoLiveLeasesOnOnePortAndTheStoreEqualsMemory() throws Exception {
        EngineFixture fx = new EngineFixture();
        Engine engine = fx.engine();
        Map<Integer, String> holders = new ConcurrentHashMap<>(); // port -> lock id, as clients see it
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger grants = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = 42L * (t + 1);
            workers.add(pool.submit(() -> {
                Random random = new Random(seed);
                List<Lease> mine = new ArrayList<>();
                go.await();
                for (int i = 0; i < OPERATIONS; i++) {
                    int op = random.nextInt(10);
                    try {
                        if (op < 5 || mine.isEmpty()) {
                            Allocation a = engine.allocate(AllocationRequest.of(TYPES[random.nextInt(TYPES.length)]));
                            if (a instanceof Allocation.Granted g) {
                                grants.incrementAndGet();
                                String previous = holders.putIfAbsent(g.port(), g.lease().lockId());
                                if (previous != null) {
                                    duplicates.incrementAndGet();
                                }
                                mine.add(g.lease());
                            }
                        } else if (op < 9) {
                            Lease lease = mine.remove(random.nextInt(mine.size()));
                            // Forget it before the daemon does: from then on someone else may get the port.
                            holders.remove(lease.port(), lease.lockId());
                            engine.release(lease.lockId());
                        } else {
                            engine.renew(mine.get(random.nextInt(mine.size())).lockId());
                        }
                    } catch (EngineException e) {
                        // EXHAUSTED under contention is a fair answer; NOT_FOUND cannot happen here.
                        assertThat(e.reason()).isEqualTo(EngineException.Reason.EXHAUSTED);
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> w : workers) {
            w.get();
        }
        pool.shutdown();
        assertThat(duplicates.get()).isZero();
        assertThat(grants.get()).isGreaterThan(THREADS * OPERATIONS / 4);
        List<Lease> live = engine.leases();
        assertThat(live).extracting(Lease::port).doesNotHaveDuplicates();
        assertThat(fx.store.leases()).isEqualTo(live);
        assertThat(live.stream().filter(l -> l.serviceType().equals("ai")).count()).isLessThanOrEqualTo(1);
    }
}
