package io.styxy.server.engine;

import io.styxy.api.Protocol;
import io.styxy.server.engine.EngineException.Reason;
import io.styxy.server.testing.EngineFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A ledger whose state directory is read-only: reads as before, every change refused up front, nothing touched. */
class EngineReadOnlyTest {

    private static final String WHY = "STYXY_HOME /x is read-only (read-only file system): remount it read-write or"
            + " point STYXY_HOME at a writable directory, then restart the daemon";

    private final EngineFixture fx = new EngineFixture();
    private final Engine engine = fx.engine();
    private final List<EngineEvent> events = new CopyOnWriteArrayList<>();

    private Lease granted(Allocation allocation) {
        return ((Allocation.Granted) allocation).lease();
    }

    private static void refused(Executable change) {
        assertThatThrownBy(change::execute).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.STATE_READ_ONLY);
            assertThat(e.getMessage()).isEqualTo(WHY);
        });
    }

    @Test
    void everyChangeIsRefusedBeforeAnythingIsProbedOrStored() {
        fx.processes.start(4242);
        fx.processes.start(777, 5000, "uvicorn main:app --port 8000");
        Lease lease = granted(engine.allocate(AllocationRequest.of("dev").withOwner(4242L)));
        engine.registerInstance("inst-1", "/work", Map.of());
        List<Lease> before = engine.leases();
        long commits = fx.store.commits();
        fx.store.readOnly(WHY);
        engine.addEventListener(events::add);
        long probes = fx.probe.probes();

        assertThat(engine.readOnly()).isEqualTo(WHY);
        refused(() -> engine.allocate(AllocationRequest.of("dev")));
        refused(() -> engine.allocate(AllocationRequest.of("a-type-nobody-made")));
        refused(() -> engine.allocateGroup(List.of(AllocationRequest.of("dev"), AllocationRequest.of("api"))));
        refused(() -> engine.reassign(777, 8000, Protocol.TCP, null));
        refused(() -> engine.adopt(4000, 4242, "dev", "web", "/work", "inst-1"));
        refused(() -> engine.release(lease.lockId()));
        refused(() -> engine.releasePort(lease.port()));
        refused(() -> engine.releaseOwner(4242));
        refused(() -> engine.releaseInstance("inst-1"));
        refused(() -> engine.renew(lease.lockId()));
        refused(() -> engine.cleanup(true));
        refused(() -> engine.registerInstance("inst-2", "/work", Map.of()));
        refused(() -> engine.heartbeat("inst-1"));
        refused(engine::requireWritable);

        assertThat(fx.probe.probes()).as("no bind probe for a refused change").isEqualTo(probes);
        assertThat(fx.store.commits()).isEqualTo(commits);
        assertThat(fx.persistedTypes).isEmpty();
        assertThat(engine.leases()).isEqualTo(before);
        assertThat(engine.instances()).extracting(Instance::instanceId).containsExactly("inst-1");
        assertThat(events).isEmpty();
    }

    @Test
    void readsAndDryRunsStillAnswer() {
        Lease lease = granted(engine.allocate(AllocationRequest.of("dev")));
        fx.store.readOnly(WHY);
        assertThat(engine.leases()).containsExactly(lease);
        assertThat(engine.check(lease.port()).lease()).isEqualTo(lease);
        assertThat(engine.allocate(AllocationRequest.of("dev").asDryRun())).isInstanceOf(Allocation.DryRun.class);
        assertThat(engine.suggest("api", 2)).hasSize(2);
        assertThat(engine.leases()).containsExactly(lease);
    }

    @Test
    void theSweepReleasesNothingWhileReadOnlyAndCatchesUpAfterwards() {
        fx.processes.start(4242);
        Lease lease = granted(engine.allocate(AllocationRequest.of("dev").withOwner(4242L)));
        engine.registerInstance("quiet", "/work", Map.of());
        fx.store.readOnly(WHY);
        fx.processes.kill(4242);
        fx.clock.advance(Duration.ofHours(1));
        assertThat(engine.sweep()).isEmpty();
        assertThat(engine.leases()).containsExactly(lease);
        assertThat(engine.instances()).hasSize(1);

        fx.store.readOnly(null);
        assertThat(engine.sweep()).containsExactly(lease);
        assertThat(engine.instances()).isEmpty();
    }

    @Test
    void aStoreThatTurnsReadOnlyDuringACommitIsReportedAsReadOnlyAndUndone() {
        // The store's own refusal (a change already under way when the directory went read-only).
        fx.store.readOnly(WHY);
        LeaseStore racing = new LeaseStore() {
            @Override
            public Snapshot load() {
                return Snapshot.empty();
            }

            @Override
            public java.util.concurrent.CompletableFuture<Void> submit(List<StoreChange> changes) {
                return fx.store.submit(changes);
            }

            @Override
            public void close() {
            }
        };
        Engine racer = new Engine(engine.catalog(), engine.settings(), fx.clock, fx.processes, fx.probe,
                port -> List.of(), racing, (type, previous) -> { });
        assertThatThrownBy(() -> racer.allocate(AllocationRequest.of("dev")))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.STATE_READ_ONLY);
                    assertThat(e.getMessage()).isEqualTo(WHY);
                });
        assertThat(racer.leases()).isEmpty();
    }
}
