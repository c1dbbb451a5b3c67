package io.styxy.server.engine;

import java.util.Optional;

/** The engine's view of the machine's processes. */
public interface ProcessTable {

    /** The running process with this pid, if any. */
    Optional<ProcessInfo> find(long pid);

    /** Whether the owner is still running: same pid <em>and</em> same start time. */
    default boolean isAlive(Owner owner) {
        return find(owner.pid()).map(p -> p.startTime() == owner.startTime()).orElse(false);
    }
}
