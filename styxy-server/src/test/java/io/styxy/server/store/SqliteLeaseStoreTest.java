package io.styxy.server.store;

import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.Reassignment;
import io.styxy.server.engine.StoreChange;
import io.styxy.server.engine.StoreUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.styxy.server.store.TestLeases.lease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqliteLeaseStoreTest {

    @TempDir
    Path dir;

    @Test
    void whatWasAcknowledgedIsThereAfterReopening() {
        Path file = dir.resolve("styxy.db");
        Lease a = lease(3000);
        Lease b = lease(3001);
        Instance i = new Instance("agent-1", "/w", Map.of("agent", "claude", "n", 3), Instant.ofEpochMilli(5),
                Instant.ofEpochMilli(9));
        Reassignment r = new Reassignment(1, 42, "python3 -m http.server 8000", 8000, 8001, "api", b.lockId(),
                Instant.ofEpochMilli(7));
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            store.submit(List.of(new StoreChange.LeaseSaved(a), new StoreChange.LeaseSaved(b))).join();
            store.submit(new StoreChange.InstanceSaved(i)).join();
            store.submit(new StoreChange.ReassignmentSaved(r)).join();
            store.submit(new StoreChange.LeaseDeleted(a.lockId())).join();
        }
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.FULL)) {
            LeaseStore.Snapshot s = store.load();
            assertThat(s.leases()).containsExactly(b);
            assertThat(s.instances()).containsExactly(i);
            assertThat(s.reassignments()).containsExactly(r);
            assertThat(store.movedAside()).isNull();
        }
    }

    @Test
    void instanceMetadataComesBackAsItWasSentAndADamagedColumnLoadsAsNone() throws Exception {
        Path file = dir.resolve("styxy.db");
        Map<String, Object> nested = new java.util.LinkedHashMap<>();
        nested.put("agent", "claude 🚀");
        nested.put("ports", List.of(3000, 5_000_000_000L));
        nested.put("inner", Map.of("ratio", 0.5, "on", true));
        nested.put("none", null);
        Instance rich = new Instance("rich", "/w", nested, Instant.ofEpochMilli(5), Instant.ofEpochMilli(9));
        Instance bare = new Instance("bare", "/w", null, Instant.ofEpochMilli(5), Instant.ofEpochMilli(9));
        Instance damaged = new Instance("damaged", "/w", Map.of("n", 1), Instant.ofEpochMilli(5),
                Instant.ofEpochMilli(9));
        Instance array = new Instance("array", "/w", Map.of("n", 2), Instant.ofEpochMilli(5),
                Instant.ofEpochMilli(9));
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            store.submit(List.of(new StoreChange.InstanceSaved(rich), new StoreChange.InstanceSaved(bare),
                    new StoreChange.InstanceSaved(damaged), new StoreChange.InstanceSaved(array))).join();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE instances SET metadata = '{\"n\": ' WHERE instance_id = 'damaged'");
            s.executeUpdate("UPDATE instances SET metadata = '[1, 2]' WHERE instance_id = 'array'");
        }
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            Map<String, Instance> loaded = new java.util.HashMap<>();
            store.load().instances().forEach(i -> loaded.put(i.instanceId(), i));
            assertThat(loaded.get("rich").metadata()).isEqualTo(nested);
            assertThat(new ArrayList<>(loaded.get("rich").metadata().keySet()))
                    .containsExactly("agent", "ports", "inner", "none");
            assertThat(loaded.get("bare").metadata()).isEmpty();
            assertThat(loaded.get("damaged").metadata()).isEmpty();
            assertThat(loaded.get("array").metadata()).isEmpty();
        }
    }

    @Test
    void manyConcurrentBatchesAreCommittedTogetherAndAllAcknowledged() {
        Path file = dir.resolve("styxy.db");
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int port = 10_000; port < 12_000; port++) {
                acks.add(store.submit(new StoreChange.LeaseSaved(lease(port))));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
            assertThat(store.load().leases()).hasSize(2000);
        }
    }

    @Test
    void theWalIsCheckpointedInTheBackgroundAndStaysSmallUnderThousandsOfCommits() throws Exception {
        Path file = dir.resolve("styxy.db");
        Path wal = dir.resolve("styxy.db-wal");
        long largestWal = 0;
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            for (int round = 0; round < 20_000; round++) {
                Lease l = lease(20_000 + round % 500);
                store.submit(new StoreChange.LeaseSaved(l)).join(); // one commit each
                store.submit(new StoreChange.LeaseDeleted(l.lockId())).join();
                if (round % 500 == 0 && Files.exists(wal)) {
                    largestWal = Math.max(largestWal, Files.size(wal));
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (store.backgroundCheckpoints() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(store.backgroundCheckpoints()).as("checkpoints ran off the writer").isPositive();
            store.submit(new StoreChange.LeaseSaved(lease(3000))).join();
        }
        // 40,000 back-to-back commits of ~3 pages without any checkpoint leave a WAL of over 400 MB; without the
        // short round the background rounds never let it restart and it grows as much. SQLite's own checkpoint,
        // kept as a safety net, would step in near 32 MB: the background must keep it well below that.
        assertThat(largestWal).as("largest WAL seen").isLessThan(24L << 20);
        assertThat(wal).as("the last close checkpoints and removes the WAL").doesNotExist();
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            assertThat(store.load().leases()).extracting(Lease::port).containsExactly(3000);
        }
    }

    @Test
    void callersCommittingForEachOtherNeverLeaveABatchUnansweredEvenWhenTheStoreClosesUnderThem() throws Exception {
        Path file = dir.resolve("styxy.db");
        int threads = 16;
        List<java.util.concurrent.ConcurrentLinkedQueue<Lease>> acknowledged = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            var mine = new java.util.concurrent.ConcurrentLinkedQueue<Lease>();
            acknowledged.add(mine);
            int base = 10_000 + t * 2_000;
            workers.add((t % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                for (int i = 0; i < 2_000; i++) {
                    Lease l = lease(base + i);
                    try {
                        store.submit(new StoreChange.LeaseSaved(l)).get(10, java.util.concurrent.TimeUnit.SECONDS);
                        mine.add(l);
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(StoreUnavailableException.class);
                        refused.incrementAndGet();
                    } catch (Exception e) {
                        throw new AssertionError("a submit was left waiting", e);
                    }
                }
            }));
        }
        while (acknowledged.stream().mapToInt(java.util.Collection::size).sum() < 5_000) {
            Thread.sleep(1);
        }
        store.close();
        for (Thread w : workers) {
            w.join(30_000);
            assertThat(w.isAlive()).isFalse();
        }
        int acked = acknowledged.stream().mapToInt(java.util.Collection::size).sum();
        assertThat(acked + refused.get()).isEqualTo(threads * 2_000);
        assertThat(refused.get()).as("the close cut the run short").isPositive();
        try (SqliteLeaseStore again = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            List<Lease> stored = again.load().leases();
            assertThat(stored).as("every acknowledged lease, nothing else").hasSize(acked);
            acknowledged.forEach(q -> assertThat(stored).containsAll(q));
        }
    }

    @Test
    void aBadBatchFailsAloneAndChangesNothing() {
        try (SqliteLeaseStore store = SqliteLeaseStore.open(dir.resolve("styxy.db"), Durability.NORMAL)) {
            Lease a = lease(3000);
            store.submit(new StoreChange.LeaseSaved(a)).join();
            Lease clash = lease(3000); // another lease on the same port: the UNIQUE constraint refuses it
            CompletableFuture<Void> bad = store.submit(List.of(new StoreChange.LeaseSaved(lease(3001)),
                    new StoreChange.LeaseSaved(clash)));
            CompletableFuture<Void> good = store.submit(new StoreChange.LeaseSaved(lease(3002)));
            assertThatThrownBy(bad::join).hasCauseInstanceOf(StoreUnavailableException.class);
            good.join();
            assertThat(store.load().leases()).extracting(Lease::port).containsExactly(3000, 3002);
        }
    }

    @Test
    void aCorruptDatabaseIsMovedAsideNeverDeletedAndANewOneStarts() throws Exception {
        Path file = dir.resolve("styxy.db");
        byte[] garbage = "this is not a database, just garbage bytes that SQLite must refuse".repeat(100).getBytes();
        Files.write(file, garbage);
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            assertThat(store.movedAside()).isNotNull();
            assertThat(Files.readAllBytes(store.movedAside())).isEqualTo(garbage);
            assertThat(store.load().leases()).isEmpty();
            store.submit(new StoreChange.LeaseSaved(lease(3000))).join();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("styxy.db.corrupt-"));
        }
    }

    @Test
    void theDatabaseIsPrivateToItsUser() throws Exception {
        Path file = dir.resolve("styxy.db");
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            store.submit(new StoreChange.LeaseSaved(lease(3000))).join();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
    }

    @Test
    void aReadOnlyDirectoryRefusesWritesWithAClearError() throws Exception {
        Path file = dir.resolve("styxy.db");
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            store.submit(new StoreChange.LeaseSaved(lease(3000))).join();
        }
        // Simulate a file system that turned read-only: the database file itself refuses writes.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        try (SqliteLeaseStore store = SqliteLeaseStore.open(file, Durability.NORMAL)) {
            if (Files.isWritable(file)) {
                return; // root ignores file modes; the disk-full path is covered end to end
            }
            assertThatThrownBy(() -> store.submit(new StoreChange.LeaseSaved(lease(3001))).join())
                    .hasCauseInstanceOf(StoreUnavailableException.class);
            assertThat(store.load().leases()).extracting(Lease::port).containsExactly(3000);
        } finally {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void theWritersInsertsAreNotFollowedByAGeneratedKeysQuery() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("keys.db");
        for (boolean ours : new boolean[] {false, true}) {
            try (Connection c = ours ? DriverManager.getConnection(url, SqliteLeaseStore.writerProperties())
                    : DriverManager.getConnection(url);
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
                try (PreparedStatement p = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                    p.setString(1, "x");
                    p.executeUpdate();
                    try (ResultSet keys = p.getGeneratedKeys()) {
                        // The driver's default fetches the new row id with an extra query; the writer's settings do not.
                        assertThat(keys.next()).as("generated keys fetched, writer settings: " + ours).isEqualTo(!ours);
                    }
                }
            }
        }
    }
}
