package io.styxy.server.store;

import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.StateReadOnlyException;
import io.styxy.server.engine.StoreChange;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The ledger as it was stored, read once from a read-only state directory; every change is refused. */
final class ReadOnlyLeaseStore implements LeaseStore {

    private final Snapshot snapshot;
    private final String refusal;

    ReadOnlyLeaseStore(Snapshot snapshot, String refusal) {
        this.snapshot = snapshot;
        this.refusal = refusal;
    }

    @Override
    public Snapshot load() {
        return snapshot;
    }

    @Override
    public CompletableFuture<Void> submit(List<StoreChange> changes) {
        return CompletableFuture.failedFuture(new StateReadOnlyException(refusal));
    }

    @Override
    public String readOnly() {
        return refusal;
    }

    @Override
    public void close() {
        // nothing open
    }
}
