package io.styxy.api;

/** Transport protocol of a listener or a lease. */
public enum Protocol {
    TCP, UDP;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Protocol fromWireName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            default -> throw new IllegalArgumentException("protocol must be tcp or udp, got \"" + name + "\"");
        };
    }
}
