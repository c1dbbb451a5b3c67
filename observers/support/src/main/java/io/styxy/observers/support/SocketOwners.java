package io.styxy.observers.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Finds which processes hold socket inodes, from the {@code socket:[inode]} links in {@code /proc/<pid>/fd}.
 *
 * <p>Walking every fd of every process is the expensive part of observing (a few µs per fd), so owners are
 * remembered: an inode whose owner is known is trusted while that process lives (same pid <em>and</em> start time,
 * so a reused pid is caught), which costs one small read per owning process. Only new inodes trigger a walk, and the
 * walk stops once all of them are found. Inodes whose owner cannot be seen (another user's process, another pid
 * namespace) are not searched for again until {@link #MISS_TTL_NANOS} has passed. A walk covers every process, so a
 * socket shared by several processes (a pre-forking server) is attributed to every holder. A full re-check every
 * {@link #REVALIDATE_NANOS} catches the rare socket that moved to another process (passed over a Unix socket, or kept
 * by a child after its parent exited).
 *
 * <p>Thread-safe.
 */
public final class SocketOwners {

    /** How long an inode whose owner was not found is left alone. */
    public static final long MISS_TTL_NANOS = 10_000_000_000L;
    /** How often known owners are checked by a full walk. */
    public static final long REVALIDATE_NANOS = 30_000_000_000L;

    private record Known(List<ProcessFacts> owners) {
    }

    private final Path proc;
    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Long, Known> known = new HashMap<>();
    private final Map<Long, Long> missedAt = new HashMap<>();
    private long lastFullWalk;
    private long walks;

    public SocketOwners(Path proc) {
        this(proc, System::nanoTime);
    }

    SocketOwners(Path proc, LongSupplier nanoTime) {
        this.proc = proc;
        this.nanoTime = nanoTime;
        this.lastFullWalk = nanoTime.getAsLong();
    }

    /** Number of fd walks so far (for tests and statistics). */
    public long walks() {
        lock.lock();
        try {
            return walks;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The owners of each inode that has any; inodes whose owner cannot be seen are absent.
     *
     * @param inodes   the socket inodes to attribute (0 is ignored)
     * @param complete whether {@code inodes} is every listening socket of the machine: then owners of inodes no
     *                 longer present are forgotten, and a periodic full re-check may run
     */
    public Map<Long, List<ProcessFacts>> owners(Collection<Long> inodes, boolean complete) {
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            boolean revalidate = complete && now - lastFullWalk >= REVALIDATE_NANOS;
            Map<Long, List<ProcessFacts>> result = new HashMap<>(inodes.size() * 2);
            Set<Long> wanted = new HashSet<>();
            Map<Long, Boolean> alive = new HashMap<>();
            for (Long inode : inodes) {
                if (inode == null || inode == 0) {
                    continue;
                }
                Known k = revalidate ? null : known.get(inode);
                if (k != null && allAlive(k, alive)) {
                    result.put(inode, k.owners());
                    continue;
                }
                Long missed = missedAt.get(inode);
                if (!revalidate && k == null && missed != null && now - missed < MISS_TTL_NANOS) {
                    continue;
                }
                wanted.add(inode);
            }
            if (!wanted.isEmpty()) {
                Map<Long, List<ProcessFacts>> found = walk(wanted);
                for (Long inode : wanted) {
                    List<ProcessFacts> owners = found.get(inode);
                    if (owners == null) {
                        known.remove(inode);
                        missedAt.put(inode, now);
                    } else {
                        known.put(inode, new Known(List.copyOf(owners)));
                        missedAt.remove(inode);
                        result.put(inode, known.get(inode).owners());
                    }
                }
                if (revalidate) {
                    lastFullWalk = now;
                }
            }
            if (complete) {
                Set<Long> present = new HashSet<>(inodes);
                known.keySet().retainAll(present);
                missedAt.keySet().retainAll(present);
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    private boolean allAlive(Known k, Map<Long, Boolean> alive) {
        for (ProcessFacts p : k.owners()) {
            boolean ok = alive.computeIfAbsent(p.pid(), pid -> ProcessFacts.startTime(proc, pid) == p.startTime());
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** One pass over every {@code /proc/<pid>/fd}, collecting every holder of each wanted inode. */
    private Map<Long, List<ProcessFacts>> walk(Set<Long> wanted) {
        walks++;
        Map<Long, List<ProcessFacts>> found = new HashMap<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, SocketOwners::isPidDir)) {
            for (Path pidDir : pids) {
                scanFds(pidDir, wanted, found);
            }
        } catch (IOException | RuntimeException e) {
            // /proc unreadable: those sockets stay without an owner; never fatal.
        }
        return found;
    }

    private static boolean isPidDir(Path path) {
        String name = path.getFileName().toString();
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private void scanFds(Path pidDir, Set<Long> wanted, Map<Long, List<ProcessFacts>> found) {
        ProcessFacts facts = null;
        boolean factsTried = false;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(pidDir.resolve("fd"))) {
            for (Path fd : fds) {
                long inode = socketInode(fd);
                if (inode <= 0 || !wanted.contains(inode)) {
                    continue;
                }
                if (!factsTried) {
                    factsTried = true;
                    facts = ProcessFacts.read(proc, Long.parseLong(pidDir.getFileName().toString())).orElse(null);
                }
                if (facts == null) {
                    return; // exited meanwhile
                }
                List<ProcessFacts> holders = found.computeIfAbsent(inode, i -> new ArrayList<>(1));
                if (!holders.contains(facts)) {
                    holders.add(facts);
                }
            }
        } catch (IOException | SecurityException e) {
            // another user's process, or it exited: its fds are not visible
        }
    }

    /** The inode of a {@code socket:[123]} link, or -1 for any other fd. */
    private static long socketInode(Path fd) {
        String target;
        try {
            target = Files.readSymbolicLink(fd).toString();
        } catch (IOException | SecurityException e) {
            return -1;
        }
        if (!target.startsWith("socket:[") || !target.endsWith("]")) {
            return -1;
        }
        long v = 0;
        for (int i = 8; i < target.length() - 1; i++) {
            char c = target.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
