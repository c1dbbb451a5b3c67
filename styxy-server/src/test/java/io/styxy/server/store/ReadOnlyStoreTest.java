package io.styxy.server.store;

import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.StateReadOnlyException;
import io.styxy.server.engine.StoreChange;
import io.styxy.server.engine.StoreUnavailableException;
import io.styxy.server.testing.ReadOnlyMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.styxy.server.store.TestLeases.lease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The store of a read-only state directory, and the guard that notices a directory turning read-only. */
class ReadOnlyStoreTest {

    private static final String WHY = "STYXY_HOME /x is read-only (read-only file system): remount it read-write or"
            + " point STYXY_HOME at a writable directory, then restart the daemon";

    @TempDir
    Path dir;

    private static Map<String, Long> files(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                out.put(p.getFileName().toString(), Files.size(p) * 31 + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    @Test
    void aReadOnlyStoreHoldsTheStoredLedgerAndRefusesEveryChange() {
        Path file = dir.resolve("styxy.db");
        Lease a = lease(3000);
        Instance i = new Instance("agent-1", "/w", Map.of("n", 1), Instant.ofEpochMilli(5), Instant.ofEpochMilli(9));
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            store.submit(List.of(new StoreChange.LeaseSaved(a), new StoreChange.InstanceSaved(i))).join();
        }
        LeaseStore ro = SqliteLeaseStore.openReadOnly(file, WHY);
        assertThat(ro.load().leases()).containsExactly(a);
        assertThat(ro.load().instances()).containsExactly(i);
        assertThat(ro.readOnly()).isEqualTo(WHY);
        CompletableFuture<Void> change = ro.submit(new StoreChange.LeaseSaved(lease(3001)));
        assertThatThrownBy(change::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StateReadOnlyException.class).hasMessageContaining(WHY);
        ro.close();
    }

    @Test
    void noDatabaseIsAnEmptyLedgerAndNothingIsCreated() throws IOException {
        LeaseStore ro = SqliteLeaseStore.openReadOnly(dir.resolve("styxy.db"), WHY);
        assertThat(ro.load().leases()).isEmpty();
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void aDamagedDatabaseCannotBeMovedAsideAndSaysSo() throws IOException {
        Path file = dir.resolve("styxy.db");
        Files.write(file, "this is not a database, but it is long enough to look like one at first".repeat(100)
                .getBytes());
        assertThatThrownBy(() -> SqliteLeaseStore.openReadOnly(file, WHY))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining(file.toString());
        assertThat(file).exists();
    }

    /**
     * On a real read-only file system, the three shapes a WAL database can be left in: stopped cleanly (no -wal;
     * SQLite cannot open it {@code mode=ro} and {@code immutable=1} is safe), crashed (-wal and -shm: read in place
     * with {@code mode=ro}), and crashed with the -shm gone (read from a private copy). Every committed lease is
     * read each time, and not a byte of the directory changes.
     */
    @Test
    void everyShapeOfTheDatabaseIsReadOnARealReadOnlyFileSystem() throws IOException {
        String why = ReadOnlyMounts.unavailable();
        assumeTrue(why == null, () -> "needs a real read-only mount: " + why);
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        try (ReadOnlyMounts mounts = new ReadOnlyMounts()) {
            mounts.tmpfs(mnt, 16);
            List<Lease> committed = new ArrayList<>();
            for (int p = 3000; p < 3010; p++) {
                committed.add(lease(p));
            }
            Path clean = Files.createDirectories(mnt.resolve("clean")).resolve("styxy.db");
            try (SqliteLeaseStore store = SqliteLeaseStore.open(clean, Durability.NORMAL)) {
                for (Lease l : committed) {
                    store.submit(new StoreChange.LeaseSaved(l)).join();
                }
            }
            Path live = dir.resolve("live.db");
            SqliteLeaseStore open = SqliteLeaseStore.open(live, Durability.NORMAL);
            try {
                for (Lease l : committed) {
                    open.submit(new StoreChange.LeaseSaved(l)).join();
                }
                assertThat(Files.size(dir.resolve("live.db-wal"))).as("changes wait in the WAL").isPositive();
                // A crash leaves the database as it is now: copy it while the store holds it open.
                Path crashed = Files.createDirectories(mnt.resolve("crashed")).resolve("styxy.db");
                Path noShm = Files.createDirectories(mnt.resolve("no-shm")).resolve("styxy.db");
                for (String suffix : new String[]{"", "-wal", "-shm"}) {
                    Files.copy(dir.resolve("live.db" + suffix), crashed.resolveSibling("styxy.db" + suffix));
                    if (!suffix.equals("-shm")) {
                        Files.copy(dir.resolve("live.db" + suffix), noShm.resolveSibling("styxy.db" + suffix));
                    }
                }
            } finally {
                open.close();
            }
            assertThat(clean.resolveSibling("styxy.db-wal")).doesNotExist();
            mounts.remountReadOnly(mnt);
            Map<String, Map<String, Long>> before = new TreeMap<>();
            for (String shape : List.of("clean", "crashed", "no-shm")) {
                before.put(shape, files(mnt.resolve(shape)));
            }

            var cleanRead = SqliteLeaseStore.readOnlySnapshot(clean);
            assertThat(cleanRead.how()).contains("immutable=1");
            assertThat(cleanRead.snapshot().leases()).containsExactlyElementsOf(committed);

            var crashedRead = SqliteLeaseStore.readOnlySnapshot(mnt.resolve("crashed/styxy.db"));
            assertThat(crashedRead.how()).contains("mode=ro");
            assertThat(crashedRead.snapshot().leases()).containsExactlyElementsOf(committed);

            var noShmRead = SqliteLeaseStore.readOnlySnapshot(mnt.resolve("no-shm/styxy.db"));
            assertThat(noShmRead.how()).contains("private copy");
            assertThat(noShmRead.snapshot().leases()).containsExactlyElementsOf(committed);

            for (String shape : List.of("clean", "crashed", "no-shm")) {
                assertThat(files(mnt.resolve(shape))).as(shape).isEqualTo(before.get(shape));
            }
        }
    }

    // ------------------------------------------------------------------ the guard

    /** A store that fails or succeeds on demand and counts what reached it. */
    private static final class Scripted implements LeaseStore {
        volatile RuntimeException failure;
        final AtomicInteger submitted = new AtomicInteger();

        @Override
        public Snapshot load() {
            return Snapshot.empty();
        }

        @Override
        public CompletableFuture<Void> submit(List<StoreChange> changes) {
            submitted.incrementAndGet();
            return failure == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(failure);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theGuardPassesSuccessesAndOtherFailuresThrough() {
        Scripted store = new Scripted();
        AtomicInteger rechecks = new AtomicInteger();
        ReadOnlyGuard guard = new ReadOnlyGuard(store, () -> {
            rechecks.incrementAndGet();
            return null;
        });
        guard.submit(new StoreChange.LeaseSaved(lease(3000))).join();
        assertThat(rechecks).hasValue(0);
        store.failure = new StoreUnavailableException("cannot write x: [SQLITE_FULL] database or disk is full", null);
        assertThatThrownBy(guard.submit(new StoreChange.LeaseSaved(lease(3001)))::join)
                .hasCauseInstanceOf(StoreUnavailableException.class)
                .hasCauseExactlyInstanceOf(StoreUnavailableException.class).hasMessageContaining("SQLITE_FULL");
        assertThat(rechecks).hasValue(1);
        assertThat(guard.readOnly()).isNull();
    }

    @Test
    void aDirectoryThatTurnedReadOnlyIsSaidClearlyAndEveryLaterChangeIsRefusedUpFront() {
        Scripted store = new Scripted();
        ReadOnlyGuard guard = new ReadOnlyGuard(store, () -> WHY);
        store.failure = new StoreUnavailableException("cannot write x: [SQLITE_IOERR] disk I/O error", null);
        assertThatThrownBy(guard.submit(new StoreChange.LeaseSaved(lease(3000)))::join)
                .hasCauseInstanceOf(StateReadOnlyException.class).hasMessageContaining(WHY);
        assertThat(guard.readOnly()).isEqualTo(WHY);
        store.failure = null;
        assertThatThrownBy(guard.submit(new StoreChange.LeaseSaved(lease(3001)))::join)
                .hasCauseInstanceOf(StateReadOnlyException.class);
        assertThat(store.submitted).as("refused without reaching the store").hasValue(1);
    }
}
