package io.styxy.server.engine;

import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.server.testing.EngineFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

class AutoTypeTest {

    private final EngineFixture fx = new EngineFixture();

    @Test
    void anUnknownTypeGetsARangeAboveTheHighestOneWithinMinAndMax() {
        Engine engine = fx.engine();
        Allocation.Granted g = (Allocation.Granted) engine.allocate(AllocationRequest.of("grafana"));
        // Built-ins end at 11499 (ai); gap 10 → 11510..11519.
        assertThat(g.autoRange().range()).isEqualTo(PortRange.of(11510, 11519));
        assertThat(g.port()).isEqualTo(11510);
        assertThat(fx.persistedTypes).extracting(ServiceType::name).containsExactly("grafana");
        Allocation.Granted monitoring = (Allocation.Granted) engine.allocate(AllocationRequest.of("monitoring-loki"));
        assertThat(monitoring.autoRange().chunkSize()).isEqualTo(20);
        assertThat(monitoring.autoRange().range()).isEqualTo(PortRange.of(11530, 11549));
        Allocation.Granted again = (Allocation.Granted) engine.allocate(AllocationRequest.of("grafana"));
        assertThat(again.autoRange()).isNull();
        assertThat(again.port()).isEqualTo(11511);
    }

    @Test
    void anInvalidNameIsRefusedBeforeAnythingIsWritten() {
        ServiceTypeWriter writer = mock(ServiceTypeWriter.class);
        Engine engine = new Engine(new ServiceTypeCatalog(io.styxy.server.plugins.ServiceTypeSources.builtins()),
                EngineSettings.defaults(), fx.clock, fx.processes, fx.probe, fx.listenerView, fx.store, writer);
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("bad name!")))
                .hasMessageContaining("letters, digits and dashes");
        verify(writer, never()).persistAutoType(any(), any());
        assertThat(engine.catalog().find("bad name!")).isEmpty();
    }

    @Test
    void aTypeThatCannotBeSavedIsNotUsed() {
        ServiceTypeWriter writer = mock(ServiceTypeWriter.class);
        doThrow(new IllegalStateException("read-only file system")).when(writer).persistAutoType(any(), any());
        Engine engine = new Engine(new ServiceTypeCatalog(io.styxy.server.plugins.ServiceTypeSources.builtins()),
                EngineSettings.defaults(), fx.clock, fx.processes, fx.probe, fx.listenerView, fx.store, writer);
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("grafana")))
                .hasMessageContaining("read-only file system");
        assertThat(engine.catalog().find("grafana")).isEmpty();
        assertThat(engine.leases()).isEmpty();
    }

    @Test
    void disabledAutoAllocationNamesTheKnownTypesAndTheFix() {
        AutoRangePolicy off = new AutoRangePolicy(false, 10, AutoRangePolicy.Placement.AFTER, 10_000, 49_151, 10,
                List.of());
        Engine engine = fx.engine(EngineSettings.defaults().withAutoRanges(off));
        assertThatThrownBy(() -> engine.allocate(AllocationRequest.of("grafana")))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.reason()).isEqualTo(EngineException.Reason.UNKNOWN_SERVICE_TYPE))
                .hasMessageContaining("known types: dev, api");
    }

    @Test
    void concurrentNewTypesNeverOverlap() throws Exception {
        Engine engine = fx.engine();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Allocation>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String name = "tool-" + i;
                answers.add(pool.submit(() -> {
                    go.await();
                    return engine.allocate(AllocationRequest.of(name));
                }));
            }
            go.countDown();
            for (Future<Allocation> a : answers) {
                a.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<PortRange> ranges = engine.catalog().entries().stream().map(e -> e.type().range()).toList();
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                PortRange a = ranges.get(i);
                PortRange b = ranges.get(j);
                assertThat(a.overlaps(b)).as("%s vs %s", a, b).isFalse();
                if (a.start() >= 10_000 && b.start() >= 10_000) {
                    int gap = a.start() > b.end() ? a.start() - b.end() - 1 : b.start() - a.end() - 1;
                    assertThat(gap).as("gap between %s and %s", a, b).isGreaterThanOrEqualTo(10);
                }
            }
        }
    }

    @Test
    void aFullAutoRangeGrowsByAnotherChunk() {
        Engine engine = fx.engine();
        for (int i = 0; i < 10; i++) {
            engine.allocate(AllocationRequest.of("grafana"));
        }
        Allocation eleventh = engine.allocate(AllocationRequest.of("grafana"));
        assertThat(eleventh.port()).isEqualTo(11520);
        assertThat(engine.catalog().find("grafana").orElseThrow().range()).isEqualTo(PortRange.of(11510, 11529));
    }

    @Test
    void plannerKeepsOutOfTheEphemeralRangeAndHonoursMinAndMax() {
        AutoRangePolicy policy = new AutoRangePolicy(true, 10, AutoRangePolicy.Placement.AFTER, 30_000, 40_000, 10,
                List.of());
        PortRange eph = PortRange.of(32768, 60999);
        assertThat(AutoRangePlanner.plan(10, policy, List.of(PortRange.of(3000, 3099)), eph))
                .contains(PortRange.of(30000, 30009));
        assertThat(AutoRangePlanner.plan(10, policy, List.of(PortRange.of(30000, 32750)), eph)).isEmpty();
        AutoRangePolicy before = new AutoRangePolicy(true, 10, AutoRangePolicy.Placement.BEFORE, 10_000, 20_000, 10,
                List.of());
        assertThat(AutoRangePlanner.plan(10, before, List.of(PortRange.of(15000, 15099)), null))
                .contains(PortRange.of(14980, 14989));
        AutoRangePolicy smart = new AutoRangePolicy(true, 10, AutoRangePolicy.Placement.SMART, 10_000, 20_000, 10,
                List.of());
        assertThat(AutoRangePlanner.plan(10, smart, List.of(PortRange.of(10000, 10050), PortRange.of(10100, 10200)),
                null)).contains(PortRange.of(10061, 10070));
    }

    @Test
    void chunkRulesAreGlobsNotRegularExpressions() {
        assertThat(new AutoRangePolicy.ChunkRule("monitoring-*", 20).matches("monitoring-loki")).isTrue();
        assertThat(new AutoRangePolicy.ChunkRule("monitoring-*", 20).matches("monitoringXloki")).isFalse();
        assertThat(new AutoRangePolicy.ChunkRule("a.b*", 5).matches("axb")).isFalse();
        assertThat(new AutoRangePolicy.ChunkRule("*-db", 5).matches("orders-db")).isTrue();
    }
}
