package io.styxy.server.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The checkpointer against a real SQLite database written the way the store writes it. */
class WalCheckpointerTest {

    @TempDir
    Path dir;

    private Path file;
    private Connection writer;
    private WalCheckpointer checkpointer;

    @BeforeEach
    void openWriter() throws SQLException {
        file = dir.resolve("styxy.db");
        writer = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = writer.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA wal_autocheckpoint=0"); // only the checkpointer under test copies the WAL
            s.execute("CREATE TABLE t (n INTEGER)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        if (checkpointer != null) {
            checkpointer.close();
        }
        writer.close();
    }

    private void commitRows(int rows) throws SQLException {
        try (Statement s = writer.createStatement()) {
            for (int i = 0; i < rows; i++) {
                s.execute("INSERT INTO t VALUES (" + i + ")");
                checkpointer.committed();
            }
        }
    }

    private static void awaitPositive(LongSupplier counter, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (counter.getAsLong() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void aFewCommitsAreFlushedToDiskButLeftInTheWalSoTheNextCommitDoesNotStartItAfresh() throws Exception {
        checkpointer = new WalCheckpointer(file, true, Duration.ofMinutes(10), new ReentrantLock(), () -> { });
        long databaseBefore = Files.size(file);
        commitRows(20);

        awaitPositive(checkpointer::walSyncs, Duration.ofSeconds(5));
        Thread.sleep(2 * WalCheckpointer.SYNC_INTERVAL_MS);

        assertThat(checkpointer.walSyncs()).as("the WAL was flushed once for those commits").isEqualTo(1);
        assertThat(checkpointer.checkpoints()).as("nothing was copied back").isZero();
        assertThat(Files.size(file)).as("the database file is as it was").isEqualTo(databaseBefore);
    }

    @Test
    void afterAQuietSpellWhatIsLeftInTheWalIsCopiedIntoTheDatabase() throws Exception {
        checkpointer = new WalCheckpointer(file, true, Duration.ofMillis(300), new ReentrantLock(), () -> { });
        long databaseBefore = Files.size(file);
        commitRows(20);

        awaitPositive(checkpointer::checkpoints, Duration.ofSeconds(10));

        assertThat(checkpointer.checkpoints()).isEqualTo(1);
        assertThat(Files.size(file)).as("the table's pages reached the database file").isGreaterThan(databaseBefore);
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = reader.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM t")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(20);
        }
    }

    @Test
    void manyCommitsAreCopiedBackAtOnceWithoutWaitingForQuiet() throws Exception {
        checkpointer = new WalCheckpointer(file, true, Duration.ofMinutes(10), new ReentrantLock(), () -> { });
        commitRows((int) WalCheckpointer.EAGER_COMMITS);

        awaitPositive(checkpointer::checkpoints, Duration.ofSeconds(10));

        assertThat(checkpointer.checkpoints()).isEqualTo(1);
    }

    @Test
    void committersWaitOnlyWhileRoundsCanEndAndNeverForOnesThatFail() throws Exception {
        // Past the backlog, commits wait for a round; a round that can end lets them go on.
        checkpointer = new WalCheckpointer(file, true, Duration.ofMinutes(10), new ReentrantLock(), () -> { });
        commitRows((int) WalCheckpointer.MAX_BACKLOG + 10);
        awaitTrue(checkpointer::mayCommit, Duration.ofSeconds(10));
        assertThat(checkpointer.checkpoints()).isPositive();
        checkpointer.close();

        // A database the checkpointer cannot even open: its rounds fail, and commits must not wait for them.
        checkpointer = new WalCheckpointer(dir.resolve("missing/styxy.db"), true, Duration.ofMinutes(10),
                new ReentrantLock(), () -> { });
        for (long i = 0; i < WalCheckpointer.MAX_BACKLOG + 10; i++) {
            checkpointer.committed();
        }
        awaitTrue(checkpointer::mayCommit, Duration.ofSeconds(10));
        assertThat(checkpointer.checkpoints()).isZero();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    @Test
    void withFullDurabilityEveryCommitIsSyncedAlreadySoNothingIsFlushedOnTheSide() throws Exception {
        checkpointer = new WalCheckpointer(file, false, Duration.ofMinutes(10), new ReentrantLock(), () -> { });
        commitRows(20);

        Thread.sleep(2 * WalCheckpointer.SYNC_INTERVAL_MS + 500);

        assertThat(checkpointer.walSyncs()).isZero();
        assertThat(checkpointer.checkpoints()).isZero();
    }
}
