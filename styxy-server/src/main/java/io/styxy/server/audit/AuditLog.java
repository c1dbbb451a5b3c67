package io.styxy.server.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import io.styxy.server.json.JsonValues;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code $STYXY_HOME/audit.log}: one JSON object per line, mode 0600, rotated at 10 MB with 5 old files kept.
 * The most recent entries are also kept in memory for {@code GET /audit}.
 *
 * <p>Entries are written by one background thread, so a request never waits on the file. The thread is woken by the
 * first entry after a quiet spell and then gathers entries for {@link #GATHER_MS} ms before one {@code write}: one
 * wake-up and one system call per few milliseconds however busy the daemon is. The log is a record, not the ledger
 * (that is the store, durable before every answer): a kill -9 can lose the entries of the last few milliseconds.
 * {@link #flush()} and {@link #close()} wait until everything recorded is in the file.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
    private static final long ROTATE_AT = 10L * 1024 * 1024;
    private static final int KEEP_FILES = 5;
    private static final int RECENT = 200;
    /** Beyond this many unwritten entries, {@link #record} waits for the writer rather than grow without bound. */
    private static final int MAX_PENDING = 65_536;
    static final long GATHER_MS = 5;

    private final Path file;
    private final long rotateAt;
    /** Entries go to memory only (the state directory is read-only). */
    private final boolean memoryOnly;
    private final Deque<Map<String, Object>> recent = new ArrayDeque<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queued = lock.newCondition();
    private final Condition written = lock.newCondition();
    private List<Map<String, Object>> pending = new ArrayList<>();
    private long recordedCount;
    private long writtenCount;
    private boolean closed;
    private boolean flushWanted;
    private Thread writer;

    /** Touched by the writer thread only. */
    private OutputStream out;
    private long size;
    private final ByteArrayOutputStream batch = new ByteArrayOutputStream(8192);

    public AuditLog(Path file) {
        this(file, ROTATE_AT, false);
    }

    AuditLog(Path file, long rotateAt) {
        this(file, rotateAt, false);
    }

    private AuditLog(Path file, long rotateAt, boolean memoryOnly) {
        this.file = file;
        this.rotateAt = rotateAt;
        this.memoryOnly = memoryOnly;
    }

    /**
     * A log that keeps its entries in memory only ({@code GET /audit} still shows the recent ones), for a state
     * directory that is read-only: says so once, then never tries the file.
     */
    public static AuditLog memoryOnly(Path file, String why) {
        LOG.warning("styxy: " + why + "; audit entries are kept in memory only (GET /audit), not written to " + file);
        return new AuditLog(file, ROTATE_AT, true);
    }

    /** Whether entries are kept in memory only. */
    public boolean isMemoryOnly() {
        return memoryOnly;
    }

    public Path file() {
        return file;
    }

    /** Appends {@code {"timestamp", "action", …fields}}. A failed write is logged, never thrown. */
    public void record(String action, Map<String, ?> fields) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("timestamp", Instant.now().toString());
        entry.put("action", action);
        entry.putAll(fields);
        lock.lock();
        try {
            recent.addLast(entry);
            while (recent.size() > RECENT) {
                recent.removeFirst();
            }
            if (memoryOnly) {
                return;
            }
            if (closed) {
                LOG.log(Level.WARNING, "styxy: audit entry after close, not written: " + action);
                return;
            }
            while (pending.size() >= MAX_PENDING && !closed) {
                written.awaitUninterruptibly();
            }
            pending.add(entry);
            recordedCount++;
            if (writer == null) {
                writer = Thread.ofPlatform().daemon().name("styxy-audit").start(this::writeLoop);
            }
            if (pending.size() == 1) {
                queued.signal(); // later entries are gathered by the writer's pause
            }
        } finally {
            lock.unlock();
        }
    }

    /** The newest entries, oldest first. */
    public List<Map<String, Object>> recent(int limit) {
        lock.lock();
        try {
            return recent.stream().skip(Math.max(0, recent.size() - limit)).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Waits (up to five seconds) until every entry recorded so far is in the file. */
    public void flush() {
        lock.lock();
        try {
            long target = recordedCount;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            flushWanted = true;
            queued.signalAll();
            while (writtenCount < target && writer != null && writer.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.log(Level.WARNING, "styxy: audit log still " + (target - writtenCount)
                            + " entries behind after 5 s");
                    return;
                }
                written.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            flushWanted = false;
            lock.unlock();
        }
    }

    /** Writes what is queued, stops the writer and closes the file. Later entries are kept in memory only. */
    @Override
    public void close() {
        flush();
        Thread w;
        lock.lock();
        try {
            closed = true;
            w = writer;
            queued.signalAll();
            written.signalAll();
        } finally {
            lock.unlock();
        }
        if (w != null) {
            try {
                w.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeLoop() {
        while (true) {
            List<Map<String, Object>> entries;
            lock.lock();
            try {
                while (pending.isEmpty() && !closed) {
                    queued.awaitUninterruptibly();
                }
                if (!closed && !flushWanted && pending.size() < MAX_PENDING / 2) {
                    try {
                        queued.awaitNanos(TimeUnit.MILLISECONDS.toNanos(GATHER_MS)); // gather; flush() cuts it short
                    } catch (InterruptedException e) {
                        // write what is there
                    }
                }
                if (pending.isEmpty()) {
                    closeQuietly();
                    return;
                }
                entries = pending;
                pending = new ArrayList<>();
            } finally {
                lock.unlock();
            }
            writeAll(entries);
            lock.lock();
            try {
                writtenCount += entries.size();
                written.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** One write per batch; rotation is checked per line so no file passes the limit. */
    private void writeAll(List<Map<String, Object>> entries) {
        batch.reset();
        try {
            for (Map<String, Object> entry : entries) {
                int mark = batch.size();
                // Entries are flat maps of strings and numbers, written as the HTTP side writes its answers.
                try (JsonGenerator g = JsonValues.generator(new NoClose(batch))) {
                    JsonValues.write(g, entry);
                }
                batch.write('\n');
                int line = batch.size() - mark;
                if (out == null || size + batch.size() > rotateAt) {
                    writeBatch(mark);
                    reopen(line);
                }
            }
            writeBatch(batch.size());
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            LOG.log(Level.WARNING, "styxy: cannot write the audit log " + file + ": " + e.getMessage());
        }
    }

    /** Writes the first {@code upTo} bytes of the batch and keeps the rest. */
    private void writeBatch(int upTo) throws IOException {
        if (upTo == 0) {
            return;
        }
        if (out == null) {
            reopen(upTo);
        }
        size += upTo;
        if (upTo == batch.size()) {
            batch.writeTo(out); // the usual case: the whole batch, without copying it first
            batch.reset();
            return;
        }
        byte[] all = batch.toByteArray();
        out.write(all, 0, upTo);
        batch.reset();
        batch.write(all, upTo, all.length - upTo);
    }

    /** Opens the file for appending (creating it 0600), rotating it first when the next line would pass the limit. */
    private void reopen(int next) throws IOException {
        closeQuietly();
        if (Files.exists(file) && Files.size(file) > 0 && Files.size(file) + next > rotateAt) {
            rotate();
        }
        if (Files.notExists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        }
        out = Files.newOutputStream(file, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // reopened on the next entry
            }
            out = null;
        }
    }

    private void rotate() throws IOException {
        for (int i = KEEP_FILES - 1; i >= 1; i--) {
            Path older = file.resolveSibling(file.getFileName() + "." + i);
            if (Files.exists(older)) {
                Files.move(older, file.resolveSibling(file.getFileName() + "." + (i + 1)),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "." + (KEEP_FILES + 1)));
    }

    /** Lets Jackson close its generator without closing the batch buffer. */
    private static final class NoClose extends OutputStream {
        private final ByteArrayOutputStream target;

        NoClose(ByteArrayOutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target.write(b, off, len);
        }
    }
}
