package io.styxy.server.testing;

import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.Reassignment;
import io.styxy.server.engine.StateReadOnlyException;
import io.styxy.server.engine.StoreChange;
import io.styxy.server.engine.StoreUnavailableException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A store in memory that applies changes at once; it can be told to refuse writes, as a full disk would, or to be
 * read-only, as a store on a read-only state directory is.
 */
public final class InMemoryLeaseStore implements LeaseStore {

    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<Long, Reassignment> reassignments = new LinkedHashMap<>();
    private volatile boolean refusing;
    private volatile String readOnly;
    private long commits;

    public void refuseWrites(boolean refusing) {
        this.refusing = refusing;
    }

    /** Read-only with this refusal, or writable again with {@code null}. */
    public void readOnly(String refusal) {
        this.readOnly = refusal;
    }

    @Override
    public String readOnly() {
        return readOnly;
    }

    public synchronized long commits() {
        return commits;
    }

    @Override
    public synchronized Snapshot load() {
        return new Snapshot(List.copyOf(leases.values()), List.copyOf(instances.values()),
                reassignments.values().stream().sorted(Comparator.comparingLong(Reassignment::id)).toList());
    }

    public synchronized List<Lease> leases() {
        List<Lease> list = new ArrayList<>(leases.values());
        list.sort(Comparator.comparingInt(Lease::port));
        return list;
    }

    @Override
    public synchronized CompletableFuture<Void> submit(List<StoreChange> changes) {
        if (readOnly != null) {
            return CompletableFuture.failedFuture(new StateReadOnlyException(readOnly));
        }
        if (refusing) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("disk full", null));
        }
        for (StoreChange change : changes) {
            switch (change) {
                case StoreChange.LeaseSaved(Lease l) -> leases.put(l.lockId(), l);
                case StoreChange.LeaseDeleted(String id) -> leases.remove(id);
                case StoreChange.InstanceSaved(Instance i) -> instances.put(i.instanceId(), i);
                case StoreChange.InstanceDeleted(String id) -> instances.remove(id);
                case StoreChange.ReassignmentSaved(Reassignment r) -> reassignments.put(r.id(), r);
            }
        }
        commits++;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
    }
}
