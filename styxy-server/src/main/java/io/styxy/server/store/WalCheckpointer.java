package io.styxy.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Copies the WAL back into the database on its own thread and connection, so the writer never pays for it.
 *
 * <p>SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages and stalls that commit (and
 * every request waiting on it) for the copy and its fsyncs: 10–16 ms spikes under load. The writer's connection
 * raises that threshold far above this thread's rhythm (a safety net only); this thread runs a PASSIVE checkpoint
 * (which never blocks the writer) once {@link #EAGER_COMMITS} commits were made since the last, and when the store
 * has been quiet for {@code quietCheckpoint} with something left in the WAL.
 *
 * <p>Not more often: a checkpoint that copies every frame makes the next commit start the WAL afresh, and SQLite
 * syncs the new WAL header inside that commit, an fsync (0.3–0.4 ms here) on the path of whatever request made it.
 * Checkpointing every second put that fsync into nearly every request that followed a pause, the interposer's usual
 * case. With {@code synchronous=NORMAL} the checkpoint also was what flushed the WAL to disk; that flush now runs on
 * its own every {@link #SYNC_INTERVAL_MS} ms after commits (an fsync of the WAL file, which never restarts it), so an
 * operating-system crash still loses at most about a second of changes.
 *
 * <p>SQLite restarts the WAL from its beginning only when every frame has been copied, and under steady writes the
 * background copy never quite catches up with the writer, so the WAL would grow without end. Once the WAL is
 * {@link #RESTART_FRAMES} frames long, a second, short round therefore runs after the background one while commits
 * are held off (the store's commit lock): only the frames written during the first round are left, a copy of a few
 * pages, and then the WAL starts afresh.
 *
 * <p>How long the WAL grows before that depends on how long the background round takes, and its fsyncs are as slow
 * as the disk is at that moment: a writer committing back to back grew it to 33–62 MB instead of a few MB when they
 * were. So committers wait (their batches queue for the store's writer) once {@link #MAX_BACKLOG} commits were made
 * since the last round, until the next round ends: the WAL stays bounded by commits, not by disk latency. Not while
 * the last round failed: a database that cannot be checkpointed must still take changes.
 */
final class WalCheckpointer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WalCheckpointer.class.getName());
    static final long SYNC_INTERVAL_MS = 1_000;
    /** How long the store stays quiet before what is left in the WAL is copied into the database. */
    static final Duration QUIET_CHECKPOINT = Duration.ofSeconds(60);
    private static final long FAILURE_PAUSE_MS = 100;
    /**
     * The WAL length (frames of one page, 4 KiB) from which the short round runs to let the WAL start afresh:
     * SQLite's own checkpoint threshold. Below it the WAL is just reused later, and commits are never held off.
     */
    static final int RESTART_FRAMES = 1_000;
    static final long EAGER_COMMITS = 500;
    /** Commits since the last round after which committers wait for the next one (a round is due at 500). */
    static final long MAX_BACKLOG = 3 * EAGER_COMMITS;

    private final Path file;
    private final boolean syncWal;
    private final long quietNanos;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong checkpointedAt = new AtomicLong();
    /** Loop-thread state: the commit count last seen changing, and when; quiet is measured from there. */
    private long seenCommits;
    private long seenChangeNanos = System.nanoTime();
    private long syncedAt;
    private final AtomicLong walSyncs = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Thread thread;
    private volatile boolean closed;
    private final Lock committing;
    private final Runnable afterRound;
    /** Set while the short round waits for the commit lock: committers then leave it alone instead of barging. */
    private volatile boolean waitingForCommits;
    private volatile boolean lastRoundFailed;
    private Connection connection;

    /**
     * @param syncWal         whether commits leave the WAL unsynced ({@code synchronous=NORMAL}), so this thread
     *                        flushes it every {@link #SYNC_INTERVAL_MS} ms
     * @param quietCheckpoint how long without commits before the WAL is copied into the database
     * @param committing      held by whoever commits; held here for the short catch-up round
     * @param afterRound      run after each round, to hand batches that queued meanwhile to the store's writer
     */
    WalCheckpointer(Path file, boolean syncWal, Duration quietCheckpoint, Lock committing, Runnable afterRound) {
        this.file = file;
        this.syncWal = syncWal;
        this.quietNanos = quietCheckpoint.toNanos();
        this.committing = committing;
        this.afterRound = afterRound;
        this.thread = Thread.ofPlatform().daemon().name("styxy-store-checkpoint").start(this::loop);
    }

    /** Called by the writer after each commit. */
    void committed() {
        long n = commits.incrementAndGet();
        if (n - checkpointedAt.get() == EAGER_COMMITS) {
            lock.lock();
            try {
                wake.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Background checkpoints run so far (for tests and diagnostics). */
    long checkpoints() {
        return checkpoints.get();
    }

    /** WAL flushes between checkpoints so far (for tests and diagnostics). */
    long walSyncs() {
        return walSyncs.get();
    }

    private void loop() {
        while (!closed) {
            lock.lock();
            try {
                if (commits.get() - checkpointedAt.get() < EAGER_COMMITS) {
                    wake.await(SYNC_INTERVAL_MS, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            long target = commits.get();
            if (closed || target == checkpointedAt.get()) {
                continue;
            }
            long now = System.nanoTime();
            if (target != seenCommits) {
                seenCommits = target;
                seenChangeNanos = now; // within a round (a second) of the last commit: enough for a quiet spell
            }
            boolean eager = target - checkpointedAt.get() >= EAGER_COMMITS;
            boolean quiet = now - seenChangeNanos >= quietNanos;
            if (!eager && !quiet) {
                if (syncWal && target != syncedAt) {
                    syncWal();
                    syncedAt = target;
                }
                continue;
            }
            int walFrames = checkpoint();
            boolean done = walFrames >= 0;
            if (done) {
                if (walFrames >= RESTART_FRAMES) {
                    catchUp();
                }
                checkpointedAt.set(target);
                syncedAt = target; // a checkpoint flushes the WAL first
                checkpoints.incrementAndGet();
            }
            lastRoundFailed = !done; // committers must not wait for rounds that fail
            afterRound.run();
            if (!done) {
                sleepQuietly(); // the database is unwell; the writer reports that to callers, not us
            }
        }
    }

    /** Flushes the WAL file to disk, what a checkpoint would do first, without copying anything. */
    private void syncWal() {
        Path wal = SqliteLeaseStore.walOf(file);
        try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.WRITE)) {
            channel.force(false);
            walSyncs.incrementAndGet();
        } catch (NoSuchFileException e) {
            // nothing written yet, or the store is closing
        } catch (IOException e) {
            LOG.log(Level.FINE, "styxy: cannot flush " + wal + ": " + e.getMessage());
        }
    }

    /** The short second round, with commits held off so it copies every frame. */
    private void catchUp() {
        waitingForCommits = true;
        committing.lock();
        try {
            waitingForCommits = false;
            checkpoint();
        } finally {
            committing.unlock();
        }
    }

    /**
     * Whether a committer may take the commit lock now. Not while the short round waits for it: a caller that
     * commits back to back would otherwise win the lock every time (it is free for an instant between commits) and
     * the WAL would never start afresh. Nor once {@link #MAX_BACKLOG} commits were made since the last round (unless
     * that round failed or the checkpointer is closed). The batch then waits for the writer thread, which runs after
     * the round.
     */
    boolean mayCommit() {
        return !waitingForCommits
                && (commits.get() - checkpointedAt.get() < MAX_BACKLOG || lastRoundFailed || closed);
    }

    /**
     * A PASSIVE checkpoint; the WAL's length in frames, or -1 when it could not run. A round that SQLite reports as
     * blocked (another connection held a lock for an instant) still counts: it copied what it could, and the next
     * round follows within {@link #EAGER_COMMITS} commits rather than after a pause.
     */
    private int checkpoint() {
        try {
            if (connection == null) {
                connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
                try (Statement s = connection.createStatement()) {
                    s.execute("PRAGMA busy_timeout=1000");
                }
            }
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                return rs.next() ? Math.max(0, rs.getInt(2)) : -1;
            }
        } catch (SQLException e) {
            LOG.log(Level.FINE, "styxy: background checkpoint of " + file + " failed: " + e.getMessage());
            closeConnection();
            return -1;
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(FAILURE_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // replaced on the next round
            }
            connection = null;
        }
    }

    /** Stops the thread and closes its connection; the writer's close then checkpoints what is left. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
