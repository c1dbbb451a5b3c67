package io.styxy.api;

import java.util.Objects;

/**
 * One socket that listens on a port (TCP in LISTEN state, or an unconnected bound UDP socket), as a port observer
 * sees it. Several listeners may share a port: one per address family, per address, or per SO_REUSEPORT holder.
 *
 * @param protocol    TCP or UDP
 * @param family      IPv4 or IPv6
 * @param address     local address in its textual form ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}, {@code ::1}, …)
 * @param port        local port
 * @param pid         owning process id, or {@code -1} when it cannot be seen (another user's process)
 * @param processName short process name ({@code comm}), or empty
 * @param commandLine full command line with arguments separated by spaces, or empty
 * @param cwd         the process's working directory, or empty
 * @param user        owning user name (or numeric uid), or empty
 * @param inode       socket inode when the observer knows it, else {@code 0}
 */
public record Listener(Protocol protocol, AddressFamily family, String address, int port, long pid,
                       String processName, String commandLine, String cwd, String user, long inode) {

    public Listener {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        processName = processName == null ? "" : processName;
        commandLine = commandLine == null ? "" : commandLine;
        cwd = cwd == null ? "" : cwd;
        user = user == null ? "" : user;
    }

    /** A listener whose owning process is not known. */
    public static Listener anonymous(Protocol protocol, AddressFamily family, String address, int port) {
        return new Listener(protocol, family, address, port, -1, "", "", "", "", 0);
    }

    public boolean hasKnownOwner() {
        return pid > 0;
    }

    /** The identity observers and the daemon key listeners by. */
    public String key() {
        return protocol.wireName() + "/" + address + "/" + port + "/" + pid;
    }
}
