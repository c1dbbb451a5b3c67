package io.styxy.api;

/** Whether a service type may hold many leases at once or only one (a singleton such as a local model server). */
public enum InstanceBehavior {
    /** Any number of leases; each request gets its own port. */
    MULTI,
    /** At most one live lease; later requests are told the holder's port. */
    SINGLE;

    /** The configuration spelling: {@code "multi"} or {@code "single"}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static InstanceBehavior fromConfigName(String name) {
        return switch (name) {
            case "multi" -> MULTI;
            case "single" -> SINGLE;
            default -> throw new IllegalArgumentException(
                    "instance_behavior must be \"single\" or \"multi\", got \"" + name + "\"");
        };
    }
}
