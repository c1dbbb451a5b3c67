package io.styxy.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kill -9 the daemon at random moments under allocation load, 20 cycles: every acknowledged lease is there after
 * the restart, and no acknowledged release comes back.
 */
class DurabilityIT {

    private static final int CYCLES = Integer.getInteger("styxy.kill.cycles", 20);
    private static final String[] TYPES = {"dev", "api", "docs", "build", "test", "proxy", "monitoring", "ui"};

    @TempDir
    Path tmp;

    @Test
    void killMinusNineLosesNoAcknowledgedLease() throws Exception {
        Path home = tmp.resolve("home");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> released = ConcurrentHashMap.newKeySet();
        Set<String> releasing = ConcurrentHashMap.newKeySet();
        Random random = new Random(20261125);
        long lost = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            RunningDaemon daemon = RunningDaemon.start(home);
            try {
                // After each restart: what was acknowledged is there, what was released is gone.
                Set<String> live = new HashSet<>();
                for (JsonNode a : daemon.allocations()) {
                    live.add(a.path("lock_id").asText());
                }
                for (String id : acknowledged) {
                    if (!live.contains(id) && !releasing.contains(id)) {
                        lost++;
                    }
                }
                assertThat(lost).as("acknowledged leases lost after cycle %d", cycle).isZero();
                for (String id : released) {
                    assertThat(live).as("released lease came back").doesNotContain(id);
                }
                acknowledged.retainAll(live);
                releasing.clear();

                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService clients = Executors.newFixedThreadPool(4);
                for (int c = 0; c < 4; c++) {
                    long seed = random.nextLong();
                    clients.submit(() -> load(daemon, seed, stop, acknowledged, released, releasing));
                }
                Thread.sleep(150 + random.nextInt(600));
                daemon.kill9();
                stop.set(true);
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                daemon.kill9();
            }
        }
        assertThat(acknowledged.size() + released.size()).as("the load really ran").isGreaterThan(100);
        try (RunningDaemon last = RunningDaemon.start(home)) {
            Set<String> live = new HashSet<>();
            last.allocations().forEach(a -> live.add(a.path("lock_id").asText()));
            for (String id : acknowledged) {
                assertThat(live.contains(id) || releasing.contains(id)).as("lease %s", id).isTrue();
            }
        }
    }

    private static Void load(RunningDaemon daemon, long seed, AtomicBoolean stop, Set<String> acknowledged,
                             Set<String> released, Set<String> releasing) {
        Random random = new Random(seed);
        List<String> mine = new ArrayList<>();
        while (!stop.get()) {
            try {
                if (mine.size() < 20 && (mine.isEmpty() || random.nextInt(3) > 0)) {
                    JsonNode a = daemon.allocate(Map.of("service_type", TYPES[random.nextInt(TYPES.length)]));
                    acknowledged.add(a.path("lock_id").asText());
                    mine.add(a.path("lock_id").asText());
                } else {
                    String id = mine.remove(random.nextInt(mine.size()));
                    releasing.add(id);
                    if (daemon.call("DELETE", "/allocate/" + id, null).status() == 200) {
                        acknowledged.remove(id);
                        released.add(id);
                    }
                }
            } catch (Exception e) {
                return null; // the daemon was killed under us: that is the point
            }
        }
        return null;
    }
}
