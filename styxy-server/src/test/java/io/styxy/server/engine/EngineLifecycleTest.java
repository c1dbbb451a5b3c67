package io.styxy.server.engine;

import io.styxy.api.Protocol;
import io.styxy.server.engine.EngineEvent.ReleaseReason;
import io.styxy.server.testing.EngineFixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Owners, instances, singletons, reassignments: the lease's life after it was granted. */
class EngineLifecycleTest {

    private final EngineFixture fx = new EngineFixture();
    private final Engine engine = fx.engine();
    private final List<EngineEvent> events = new CopyOnWriteArrayList<>();

    {
        engine.addEventListener(events::add);
    }

    private Lease granted(Allocation allocation) {
        return ((Allocation.Granted) allocation).lease();
    }

    @Test
    void aLeaseDiesWithItsOwnerAndItsPortWaitsInQuarantineUntilFree() {
        fx.processes.start(4242);
        Lease lease = granted(engine.allocate(AllocationRequest.of("dev").withOwner(4242L)));
        assertThat(lease.owner()).isEqualTo(new Owner(4242, 1000 + 4242));
        assertThat(engine.sweep()).isEmpty();

        fx.processes.kill(4242);
        fx.probe.busy(3000); // the dead process's socket lingers
        assertThat(engine.sweep()).containsExactly(lease);
        assertThat(engine.leases()).isEmpty();
        assertThat(events).contains(new EngineEvent.LeaseReleased(lease, ReleaseReason.OWNER_EXITED));
        assertThat(engine.quarantinedPorts()).containsExactly(3000);
        assertThat(engine.check(3000).quarantined()).isTrue();

        fx.probe.free(3000);
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).as("still quarantined")
                .isEqualTo(3001);
        engine.sweep();
        assertThat(engine.quarantinedPorts()).isEmpty();
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3000);
    }

    @Test
    void aRecycledPidWithAnotherStartTimeDoesNotKeepTheLease() {
        fx.processes.start(777, 5000, "node old.js");
        granted(engine.allocate(AllocationRequest.of("api").withOwner(777L)));
        fx.processes.kill(777);
        fx.processes.start(777, 9000, "bash");
        assertThat(engine.sweep()).hasSize(1);
        assertThat(engine.leases()).isEmpty();
    }

    @Test
    void instanceLeasesExpireWhenHeartbeatsStop() {
        EngineFixture f = new EngineFixture();
        Engine e = f.engine(EngineSettings.defaults().withHeartbeat(Duration.ofSeconds(30), 3));
        e.registerInstance("agent-7", "/work/app", Map.of("agent", "claude"));
        Lease lease = granted(e.allocate(new AllocationRequest("dev", null, null, "agent-7", null, null, false,
                false, null, null, null)));
        Lease unowned = granted(e.allocate(AllocationRequest.of("api")));
        f.clock.advance(Duration.ofSeconds(60));
        e.heartbeat("agent-7");
        f.clock.advance(Duration.ofSeconds(89));
        assertThat(e.sweep()).isEmpty();
        f.clock.advance(Duration.ofSeconds(2));
        assertThat(e.sweep()).containsExactly(lease);
        assertThat(e.instances()).isEmpty();
        assertThat(e.leases()).containsExactly(unowned);
        assertThatThrownBy(() -> e.heartbeat("agent-7")).hasMessageContaining("not registered");
    }

    @Test
    void cleanupForceReleasesEverythingIncludingSingletons() {
        granted(engine.allocate(AllocationRequest.of("ai")));
        granted(engine.allocate(AllocationRequest.of("dev")));
        assertThat(engine.cleanup(true)).hasSize(2);
        assertThat(granted(engine.allocate(AllocationRequest.of("ai"))).port()).isEqualTo(11430);
    }

    @Test
    void aSingletonHasOneHolderEvenUnderConcurrentRequests() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Allocation>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return engine.allocate(AllocationRequest.of("ai"));
                }));
            }
            go.countDown();
            int granted = 0;
            for (Future<Allocation> a : answers) {
                Allocation allocation = a.get();
                assertThat(allocation.port()).isEqualTo(11430);
                if (allocation instanceof Allocation.Granted) {
                    granted++;
                }
            }
            assertThat(granted).isEqualTo(1);
            assertThat(engine.leases()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReassignmentLeasesAPortOfTheAskedPortsTypeToThatPidAndRecordsTheMove() {
        fx.processes.start(3131, 42, "python3 -m http.server 8000");
        fx.probe.busy(8000);
        Reassignment r = engine.reassign(3131, 8000, Protocol.TCP, null);
        assertThat(r.askedPort()).isEqualTo(8000);
        assertThat(r.givenPort()).isEqualTo(8001);
        assertThat(r.serviceType()).isEqualTo("api");
        assertThat(r.command()).isEqualTo("python3 -m http.server 8000");
        Lease lease = engine.lease(r.lockId()).orElseThrow();
        assertThat(lease.owner()).isEqualTo(new Owner(3131, 42));
        assertThat(lease.origin()).isEqualTo(Lease.Origin.REASSIGNMENT);
        assertThat(engine.reassignments(8000)).containsExactly(r);
        assertThat(events).contains(new EngineEvent.PortReassigned(r));
        assertThat(fx.store.load().reassignments()).containsExactly(r);

        fx.processes.kill(3131);
        engine.sweep();
        assertThat(engine.leases()).isEmpty();
        assertThat(engine.reassignments(null)).containsExactly(r);
    }

    @Test
    void aReassignmentOutsideEveryRangeUsesTheCommandLineThenDev() {
        fx.processes.start(1, 1, "npx storybook dev -p 20000");
        assertThat(engine.reassign(1, 20000, Protocol.TCP, null).serviceType()).isEqualTo("storybook");
        fx.processes.start(2, 1, "./my-own-server");
        assertThat(engine.reassign(2, 20001, Protocol.TCP, null).serviceType()).isEqualTo("dev");
    }

    @Test
    void aReassignedLeaseIsNamedAfterTheProcessWithOddCharactersReplaced() {
        fx.processes.start(7, 1, "my:server(dev)+v2 --port 8000");
        Reassignment r = engine.reassign(7, 8000, Protocol.TCP, null);
        assertThat(engine.lease(r.lockId()).orElseThrow().serviceName()).isEqualTo("my-server-dev--v2");
        assertThat(Engine.ownerNameOf("node.js_22-x")).isEqualTo("node.js_22-x");
        assertThat(Engine.ownerNameOf("")).isNull();
        assertThat(Engine.ownerNameOf("\u00e9".repeat(150))).isEqualTo("-".repeat(100));
    }

    @Test
    void aLostRaceReleasesTheFailedPortAndGivesAnother() {
        fx.processes.start(55, 1, "node server.js");
        fx.probe.busy(3000);
        Reassignment first = engine.reassign(55, 3000, Protocol.TCP, null);
        assertThat(first.givenPort()).isEqualTo(3001);
        fx.probe.busy(3001); // someone else bound it before our process could
        Reassignment second = engine.reassign(55, 3000, Protocol.TCP, 3001);
        assertThat(second.givenPort()).isEqualTo(3002);
        assertThat(engine.leaseOnPort(3001)).isEmpty();
        assertThat(engine.quarantinedPorts()).contains(3001);
        assertThat(engine.leases()).extracting(Lease::port).containsExactly(3002);
    }

    @Test
    void aReassignmentForADeadProcessIsRefused() {
        assertThatThrownBy(() -> engine.reassign(999_999, 3000, Protocol.TCP, null))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(EngineException.Reason.OWNER_NOT_RUNNING));
    }

    @Test
    void adoptingRecordsAPortAProcessAlreadyHolds() {
        fx.processes.start(90);
        fx.probe.busy(8080);
        Lease lease = engine.adopt(8080, 90, "api", "legacy", "/srv", "default");
        assertThat(lease.port()).isEqualTo(8080);
        assertThat(lease.origin()).isEqualTo(Lease.Origin.REGISTRATION);
        assertThat(engine.adopt(8080, 90, "api", "legacy", "/srv", "default")).isEqualTo(lease);
        fx.processes.start(91);
        assertThatThrownBy(() -> engine.adopt(8080, 91, "api", "x", null, null))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(EngineException.Reason.CONFLICT));
    }
}
