package io.styxy.server.engine;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.PortRange;
import io.styxy.api.Protocol;
import io.styxy.server.engine.EngineException.Reason;
import io.styxy.server.testing.EngineFixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineAllocationTest {

    private final EngineFixture fx = new EngineFixture();
    private final Engine engine = fx.engine();

    private Lease granted(Allocation allocation) {
        assertThat(allocation).isInstanceOf(Allocation.Granted.class);
        return ((Allocation.Granted) allocation).lease();
    }

    @Test
    void candidatesAreTheRequestedPortThenPreferredPortsThenTheRange() {
        assertThat(granted(engine.allocate(AllocationRequest.of("dev").withPreferredPort(3050))).port())
                .isEqualTo(3050);
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3000);
        fx.probe.busy(3001, 3002);
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3003);
        fx.probe.busy(3004);
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3005);
    }

    @Test
    void aBusyRequestedPortFallsBackToTheTypesPorts() {
        fx.probe.busy(3050);
        assertThat(granted(engine.allocate(AllocationRequest.of("dev").withPreferredPort(3050))).port())
                .isEqualTo(3000);
    }

    @Test
    void neverHandsOutAPortWithAForeignListenerOnAnyAddress() {
        for (String address : List.of("127.0.0.1", "::1", "0.0.0.0", "::")) {
            EngineFixture f = new EngineFixture();
            AddressFamily family = address.contains(":") ? AddressFamily.IPV6 : AddressFamily.IPV4;
            f.listeners.put(3000, List.of(new Listener(Protocol.TCP, family, address, 3000, 77, "python3",
                    "python3 -m http.server 3000", "/srv", "1000", 5)));
            Engine e = f.engine();
            assertThat(granted(e.allocate(AllocationRequest.of("dev"))).port()).as(address).isEqualTo(3001);
            PortStatus status = e.check(3000);
            assertThat(status.available()).isFalse();
            assertThat(status.listeners()).extracting(Listener::pid).containsExactly(77L);
        }
    }

    @Test
    void aFailingProbeCountsAsBusy() {
        fx.probe.failing(true);
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("storybook")))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EXHAUSTED))
                .hasMessageContaining("6006-6029");
        assertThat(engine.leases()).isEmpty();
        assertThat(engine.check(6006).available()).isFalse();
    }

    @Test
    void exhaustingARangeSaysWhatToDo() {
        for (int i = 0; i < 24; i++) {
            engine.allocate(AllocationRequest.of("storybook"));
        }
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("storybook")))
                .hasMessageContaining("no free port in range 6006-6029")
                .hasMessageContaining("styxy list --service storybook");
    }

    @Test
    void aDryRunAnswersWhatARealRequestWouldGetAndChangesNothing() {
        fx.probe.busy(3000);
        Allocation dry = engine.allocate(AllocationRequest.of("dev").asDryRun());
        assertThat(dry).isEqualTo(new Allocation.DryRun(3001, "dev", "unnamed-service"));
        assertThat(engine.leases()).isEmpty();
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3001);
    }

    @Test
    void suggestionsAreHeldSoTwoCallersNeverGetTheSameOne() {
        List<Integer> first = engine.suggest("api", 3);
        List<Integer> second = engine.suggest("api", 3);
        assertThat(first).containsExactly(8000, 8001, 8002);
        assertThat(second).containsExactly(8003, 8004, 8005);
        // Someone else's allocation skips held ports; the holder asking for its suggestion gets it.
        assertThat(granted(engine.allocate(AllocationRequest.of("api"))).port()).isEqualTo(8006);
        assertThat(granted(engine.allocate(AllocationRequest.of("api").withPreferredPort(8001))).port())
                .isEqualTo(8001);
        fx.clock.advance(Duration.ofSeconds(11));
        engine.sweep();
        assertThat(granted(engine.allocate(AllocationRequest.of("api"))).port()).isEqualTo(8000);
    }

    @Test
    void stableModeGivesTheSamePortToTheSameProjectAndServiceOnEveryRun() {
        AllocationRequest web = new AllocationRequest("dev", "web", null, null, "/home/me/shop", null, true, false,
                null, null, null);
        int first = granted(engine.allocate(web)).port();
        Engine restarted = new EngineFixture().engine();
        assertThat(granted(restarted.allocate(web)).port()).isEqualTo(first);
        AllocationRequest other = new AllocationRequest("dev", "web", null, null, "/home/me/blog", null, true, false,
                null, null, null);
        assertThat(granted(restarted.allocate(other)).port()).isBetween(3000, 3099);
        // Taken: probe onward from the hash point.
        EngineFixture busy = new EngineFixture();
        busy.probe.busy(first);
        int next = granted(busy.engine().allocate(web)).port();
        assertThat(next).isEqualTo(first == 3099 ? 3000 : first + 1);
    }

    @Test
    void validationRejectsBadInputAndChangesNothing() {
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("")))
                .hasMessageContaining("service_type is required");
        assertThatThrownBy(() -> engine.allocate(new AllocationRequest("dev", "bad name!", null, null, null, null,
                false, false, null, null, null))).hasMessageContaining("service_name");
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("dev").withPreferredPort(80)))
                .hasMessageContaining("from 1024 to 65535");
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("bad name!")))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST));
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("dev").withOwner(424242L)))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.OWNER_NOT_RUNNING));
        assertThat(engine.leases()).isEmpty();
        assertThat(fx.persistedTypes).isEmpty();
        assertThat(fx.store.commits()).isZero();
    }

    @Test
    void aChangeTheStoreCannotKeepIsNotMade() {
        Lease kept = granted(engine.allocate(AllocationRequest.of("dev")));
        fx.store.refuseWrites(true);
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("dev")))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE));
        assertThatThrownBy(() -> engine.release(kept.lockId()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE));
        assertThat(engine.leases()).containsExactly(kept);
        fx.store.refuseWrites(false);
        assertThat(granted(engine.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3001);
        assertThat(engine.release(kept.lockId()).port()).isEqualTo(3000);
        assertThat(fx.store.leases()).extracting(Lease::port).containsExactly(3001);
    }

    @Test
    void releaseByLockByPortByOwnerAndByInstance() {
        fx.processes.start(500);
        Lease a = granted(engine.allocate(AllocationRequest.of("dev")));
        Lease b = granted(engine.allocate(AllocationRequest.of("dev").withOwner(500L)));
        Lease c = granted(engine.allocate(new AllocationRequest("api", null, null, "agent-1", null, null, false,
                false, null, null, null)));
        Lease d = granted(engine.allocate(AllocationRequest.of("api")));
        assertThat(engine.release(a.lockId())).isEqualTo(a);
        assertThat(engine.releaseOwner(500)).containsExactly(b);
        assertThat(engine.releaseInstance("agent-1")).containsExactly(c);
        assertThat(engine.releasePort(d.port())).isEqualTo(d);
        assertThat(engine.leases()).isEmpty();
        assertThat(fx.store.leases()).isEmpty();
        assertThatThrownBy(() -> engine.release(a.lockId()))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
    }

    @Test
    void aGroupIsAllOrNothing() {
        List<Allocation> group = engine.allocateGroup(List.of(AllocationRequest.of("dev"), AllocationRequest.of("api"),
                AllocationRequest.of("database")));
        assertThat(group).extracting(Allocation::port).containsExactly(3000, 8000, 5430);
        for (int i = 0; i < 23; i++) {
            engine.allocate(AllocationRequest.of("storybook"));
        }
        assertThatThrownBy(() -> engine.allocateGroup(List.of(AllocationRequest.of("dev"),
                AllocationRequest.of("storybook"), AllocationRequest.of("storybook"))))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EXHAUSTED));
        assertThat(engine.leases()).hasSize(3 + 23);
        assertThat(engine.leaseOnPort(3001)).isEmpty();
    }

    @Test
    void renewalMovesTheRenewedTimeAndIsStored() {
        Lease lease = granted(engine.allocate(AllocationRequest.of("dev")));
        fx.clock.advance(Duration.ofMinutes(5));
        Lease renewed = engine.renew(lease.lockId());
        assertThat(renewed.renewedAt()).isEqualTo(lease.createdAt().plus(Duration.ofMinutes(5)));
        assertThat(fx.store.leases()).containsExactly(renewed);
    }

    @Test
    void aRestartedEngineKnowsEveryStoredLease() {
        granted(engine.allocate(AllocationRequest.of("dev")));
        granted(engine.allocate(AllocationRequest.of("api")));
        Engine restarted = new Engine(engine.catalog(), EngineSettings.defaults(), fx.clock, fx.processes, fx.probe,
                fx.listenerView, fx.store, ServiceTypeWriter.inMemory());
        assertThat(restarted.leases()).isEqualTo(engine.leases());
        assertThat(granted(restarted.allocate(AllocationRequest.of("dev"))).port()).isEqualTo(3001);
    }

    @Test
    void noTwoConcurrentRequestsGetTheSamePort() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> ports = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ports.add(pool.submit(() -> granted(engine.allocate(AllocationRequest.of("dev"))).port()));
            }
            Set<Integer> seen = new HashSet<>();
            for (Future<Integer> f : ports) {
                assertThat(seen.add(f.get())).isTrue();
            }
            assertThat(seen).hasSize(100).allMatch(p -> p >= 3000 && p <= 3099);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theCatalogAnswersWhichTypeOwnsAPort() {
        assertThat(engine.catalog().typeOfPort(8042)).get().extracting(t -> t.name()).isEqualTo("api");
        assertThat(engine.catalog().typeOfPort(11431).orElseThrow().range()).isEqualTo(PortRange.of(11400, 11499));
        assertThat(engine.catalog().typeOfPort(20000)).isEmpty();
    }
}
