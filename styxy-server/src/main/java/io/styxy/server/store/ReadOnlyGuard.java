package io.styxy.server.store;

import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.StateReadOnlyException;
import io.styxy.server.engine.StoreChange;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A store whose state directory may become read-only while the daemon runs (a remount, or the kernel after a
 * file-system error). When a change fails, it asks {@code recheck} whether the directory is read-only now; if so the
 * change is refused with that clear {@link StateReadOnlyException} instead of the database's own error, and so is
 * every later change, up front, until the daemon is restarted on a writable directory. A failure for any other
 * reason (a full disk) passes through as it was. Costs nothing while changes succeed.
 */
public final class ReadOnlyGuard implements LeaseStore {

    private static final Logger LOG = Logger.getLogger(ReadOnlyGuard.class.getName());

    private final LeaseStore store;
    private final Supplier<String> recheck;
    private volatile String refusal;

    /**
     * @param store   the store that writes
     * @param recheck looks at the state directory now: the refusal to give when it is read-only, else {@code null}
     */
    public ReadOnlyGuard(LeaseStore store, Supplier<String> recheck) {
        this.store = store;
        this.recheck = recheck;
    }

    @Override
    public Snapshot load() {
        return store.load();
    }

    @Override
    public CompletableFuture<Void> submit(List<StoreChange> changes) {
        String known = refusal;
        if (known != null) {
            return CompletableFuture.failedFuture(new StateReadOnlyException(known));
        }
        // Async: the recheck touches the file system, and must not run on the store's writer thread.
        return store.submit(changes).exceptionallyComposeAsync(this::explain);
    }

    private CompletableFuture<Void> explain(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof StateReadOnlyException) {
            return CompletableFuture.failedFuture(cause);
        }
        String now = refusal != null ? refusal : recheck.get();
        if (now == null) {
            return CompletableFuture.failedFuture(cause);
        }
        if (refusal == null) {
            refusal = now;
            LOG.warning("styxy: a change failed (" + cause.getMessage() + ") and " + now
                    + "; from now on every change is refused, reads are still served");
        }
        StateReadOnlyException readOnly = new StateReadOnlyException(now);
        readOnly.addSuppressed(cause);
        return CompletableFuture.failedFuture(readOnly);
    }

    @Override
    public String readOnly() {
        return refusal;
    }

    @Override
    public void close() {
        store.close();
    }
}
