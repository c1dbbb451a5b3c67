package io.styxy.server.store;

/** How hard the store works to keep an acknowledged change. */
public enum Durability {
    /**
     * WAL with synchronous=NORMAL: survives a crash of the daemon at any instant (kill -9); the WAL is flushed to disk
     * every second ({@code WalCheckpointer}), so an OS crash or power loss can take the last second of changes.
     */
    NORMAL,
    /** WAL with synchronous=FULL: every commit is fsynced; survives power loss. */
    FULL;

    public static Durability fromConfig(String value) {
        return switch (value == null ? "normal" : value) {
            case "normal" -> NORMAL;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("durability must be \"normal\" or \"full\", got \""
                    + value + "\"");
        };
    }
}
