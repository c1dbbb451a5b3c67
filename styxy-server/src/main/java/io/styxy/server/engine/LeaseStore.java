package io.styxy.server.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the engine keeps what it acknowledges. The engine answers a client only after the future of its change
 * completed: that is the durability contract.
 */
public interface LeaseStore extends AutoCloseable {

    /** Everything that was durable at the last shutdown or crash. */
    Snapshot load();

    /**
     * Makes the changes durable, in order, atomically together. The future completes when they are, or fails with
     * a {@link StoreUnavailableException} ({@link StateReadOnlyException} when the state directory is read-only).
     */
    CompletableFuture<Void> submit(List<StoreChange> changes);

    default CompletableFuture<Void> submit(StoreChange change) {
        return submit(List.of(change));
    }

    /**
     * Why this store takes no change at all (its state directory is read-only), saying what to do about it; or
     * {@code null} when it takes changes. Asked before every change, so it must be cheap.
     */
    default String readOnly() {
        return null;
    }

    @Override
    void close();

    /** The stored state. */
    record Snapshot(List<Lease> leases, List<Instance> instances, List<Reassignment> reassignments) {
        public static Snapshot empty() {
            return new Snapshot(List.of(), List.of(), List.of());
        }
    }
}
