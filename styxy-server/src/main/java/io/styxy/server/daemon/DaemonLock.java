package io.styxy.server.daemon;

import io.styxy.server.config.StateDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An exclusive lock on {@code daemon.lock} that the OS holds for the daemon's lifetime: it vanishes with the process,
 * however it dies, so a crashed daemon never blocks the next one and two daemons can never share a state directory.
 *
 * <p>A read-only state directory cannot take a lock file. There the daemon holds an exclusive lock on a file in
 * {@link StateDir#runtimeDir()} named after the directory's real path (so two daemons on one read-only directory
 * still exclude each other), and a shared lock on the directory's {@code daemon.lock} when it has one, opened for
 * reading: a daemon that still holds that file (started while the directory was writable) makes the read-only one
 * refuse to start, and a daemon started read-write later refuses while the read-only one runs.
 */
final class DaemonLock implements AutoCloseable {

    private record Held(FileChannel channel, FileLock lock) {
    }

    private final List<Held> held;
    private final Path file;

    private DaemonLock(List<Held> held, Path file) {
        this.held = held;
        this.file = file;
    }

    /** The lock for {@code state}, or {@code null} when another process holds it. */
    static DaemonLock tryAcquire(StateDir state) throws IOException {
        if (!state.readOnly()) {
            return tryAcquire(state.lockFile());
        }
        List<Held> held = new ArrayList<>();
        if (Files.exists(state.lockFile())) {
            FileChannel channel;
            try {
                channel = FileChannel.open(state.lockFile(), StandardOpenOption.READ);
            } catch (IOException e) {
                channel = null; // unreadable: the lock in the runtime directory still excludes read-only daemons
            }
            if (channel != null) {
                Held shared = lock(channel, true);
                if (shared == null) {
                    return null;
                }
                held.add(shared);
            }
        }
        Path runtime = state.runtimeLockFile();
        DaemonLock exclusive = tryAcquire(runtime);
        if (exclusive == null) {
            release(held);
            return null;
        }
        held.addAll(exclusive.held);
        return new DaemonLock(held, runtime);
    }

    /** An exclusive lock on {@code file}, created 0600 if needed, or {@code null} when another process holds it. */
    static DaemonLock tryAcquire(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Held exclusive = lock(channel, false);
        return exclusive == null ? null : new DaemonLock(List.of(exclusive), file);
    }

    private static Held lock(FileChannel channel, boolean shared) throws IOException {
        try {
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, shared);
            if (lock == null) {
                channel.close();
                return null;
            }
            return new Held(channel, lock);
        } catch (OverlappingFileLockException e) {
            channel.close();
            return null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void release(List<Held> held) throws IOException {
        IOException first = null;
        for (Held h : held) {
            try {
                h.lock().release();
                h.channel().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The file locked exclusively: {@code daemon.lock}, or the one in the runtime directory. */
    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        release(held);
    }
}
