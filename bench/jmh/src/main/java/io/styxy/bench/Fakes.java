package io.styxy.bench;

import io.styxy.api.Protocol;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineSettings;
import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.ListenerView;
import io.styxy.server.engine.PortProbe;
import io.styxy.server.engine.ProcessInfo;
import io.styxy.server.engine.ProcessTable;
import io.styxy.server.engine.Reassignment;
import io.styxy.server.engine.ServiceTypeCatalog;
import io.styxy.server.engine.ServiceTypeWriter;
import io.styxy.server.engine.StoreChange;
import io.styxy.server.plugins.ServiceTypeSources;

import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory stand-ins for the engine's edges (copies of the ideas in the server's test fakes, which are not
 * published): every port binds, no process runs, the store keeps changes in maps and acknowledges at once.
 */
public final class Fakes {

    private Fakes() {
    }

    /** An engine with the built-in service types, the system clock and in-memory edges. */
    public static Engine engine() {
        return engine(new FreeProbe());
    }

    public static Engine engine(PortProbe probe) {
        return new Engine(new ServiceTypeCatalog(ServiceTypeSources.builtins()), EngineSettings.defaults(),
                InstantSource.system(), new NoProcesses(), probe, ListenerView.none(), new MemoryStore(),
                ServiceTypeWriter.inMemory());
    }

    /** Every port can be bound. */
    public static final class FreeProbe implements PortProbe {
        @Override
        public boolean canBind(int port, Protocol protocol) {
            return true;
        }
    }

    /** No process is running (the benchmarks allocate without an owner). */
    public static final class NoProcesses implements ProcessTable {
        @Override
        public Optional<ProcessInfo> find(long pid) {
            return Optional.empty();
        }
    }

    /** Applies changes to maps and acknowledges at once. */
    public static final class MemoryStore implements LeaseStore {
        private final Map<String, Lease> leases = new ConcurrentHashMap<>();
        private final Map<String, Instance> instances = new ConcurrentHashMap<>();
        private final Map<Long, Reassignment> reassignments = new ConcurrentHashMap<>();
        private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

        @Override
        public Snapshot load() {
            return Snapshot.empty();
        }

        @Override
        public CompletableFuture<Void> submit(List<StoreChange> changes) {
            for (StoreChange change : changes) {
                switch (change) {
                    case StoreChange.LeaseSaved(Lease l) -> leases.put(l.lockId(), l);
                    case StoreChange.LeaseDeleted(String id) -> leases.remove(id);
                    case StoreChange.InstanceSaved(Instance i) -> instances.put(i.instanceId(), i);
                    case StoreChange.InstanceDeleted(String id) -> instances.remove(id);
                    case StoreChange.ReassignmentSaved(Reassignment r) -> reassignments.put(r.id(), r);
                }
            }
            return DONE;
        }

        @Override
        public void close() {
        }
    }
}
