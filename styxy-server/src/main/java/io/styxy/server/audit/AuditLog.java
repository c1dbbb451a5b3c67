package io.styxy.server.audit;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code $STYXY_HOME/audit.log}: one JSON object per line, mode 0600, rotated at 10 MB with 5 old files kept.
 * The most recent entries are also kept in memory for {@code GET /audit}.
 */
public final class AuditLog {

    private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long ROTATE_AT = 10L * 1024 * 1024;
    private static final int KEEP_FILES = 5;
    private static final int RECENT = 200;

    private final Path file;
    private final Deque<Map<String, Object>> recent = new ArrayDeque<>();
    /** Kept open between entries, so an entry costs one write, not an open, a stat and a close. */
    private final long rotateAt;
    /** Entries go to memory only (the state directory is read-only). */
    private final boolean memoryOnly;
    private OutputStream out;
    private long size;

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
    public synchronized void record(String action, Map<String, ?> fields) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("timestamp", Instant.now().toString());
        entry.put("action", action);
        entry.putAll(fields);
        recent.addLast(entry);
        while (recent.size() > RECENT) {
            recent.removeFirst();
        }
        if (memoryOnly) {
            return;
        }
        try {
            byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
            if (out == null || size + line.length > rotateAt) {
                reopen(line.length);
            }
            out.write(line);
            size += line.length;
        } catch (IOException e) {
            closeQuietly();
            LOG.log(Level.WARNING, "styxy: cannot write the audit log " + file + ": " + e.getMessage());
        }
    }

    /** Opens the file for appending (creating it 0600), rotating it first when the next line would pass 10 MB. */
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

    /** The newest entries, oldest first. */
    public synchronized List<Map<String, Object>> recent(int limit) {
        return recent.stream().skip(Math.max(0, recent.size() - limit)).toList();
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
}
