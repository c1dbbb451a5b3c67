package io.styxy.api;

/** IP address family of a listening socket. */
public enum AddressFamily {
    IPV4, IPV6;

    /** {@code 4} or {@code 6}. */
    public int version() {
        return this == IPV4 ? 4 : 6;
    }
}
