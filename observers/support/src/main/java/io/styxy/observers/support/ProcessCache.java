package io.styxy.observers.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ProcessFacts} by pid, read from procfs once per process: a cached entry is reused while the pid has the
 * same start time (one small read), so a reused pid is read afresh. Entries of processes that are gone are dropped
 * when the cache grows. On a machine without procfs every lookup is empty.
 */
public final class ProcessCache {

    private static final int TRIM_AT = 4_096;

    private final Path proc;
    private final boolean present;
    private final ConcurrentHashMap<Long, ProcessFacts> cache = new ConcurrentHashMap<>();

    public ProcessCache(Path proc) {
        this(proc, Files.isDirectory(proc.resolve("self")));
    }

    private ProcessCache(Path proc, boolean present) {
        this.proc = proc;
        this.present = present;
    }

    /** A cache that never reads anything: for observers configured not to resolve owners. */
    public static ProcessCache disabled() {
        return new ProcessCache(Path.of("/nonexistent"), false);
    }

    /** Reads {@code proc} when {@code resolveOwners}, else nothing. */
    public static ProcessCache forConfig(Path proc, boolean resolveOwners) {
        return resolveOwners ? new ProcessCache(proc) : disabled();
    }

    /** What procfs says about {@code pid}, or empty if it is gone or there is no procfs. */
    public Optional<ProcessFacts> facts(long pid) {
        if (!present || pid <= 0) {
            return Optional.empty();
        }
        long start = ProcessFacts.startTime(proc, pid);
        if (start < 0) {
            cache.remove(pid);
            return Optional.empty();
        }
        ProcessFacts cached = cache.get(pid);
        if (cached != null && cached.startTime() == start) {
            return Optional.of(cached);
        }
        Optional<ProcessFacts> fresh = ProcessFacts.read(proc, pid);
        if (cache.size() >= TRIM_AT) {
            cache.keySet().removeIf(p -> ProcessFacts.startTime(proc, p) < 0);
        }
        fresh.ifPresent(f -> cache.put(pid, f));
        return fresh;
    }
}
