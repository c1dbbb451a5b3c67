package io.styxy.server.engine;

/**
 * The process that owns a lease: its pid and its start time, so a recycled pid is never mistaken for the owner.
 *
 * @param pid       process id
 * @param startTime the process start time as the OS reports it (Linux: clock ticks after boot, /proc/pid/stat field 22)
 */
public record Owner(long pid, long startTime) {

    public Owner {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
    }
}
