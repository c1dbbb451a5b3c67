package io.styxy.observers.procfs;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.observers.support.ProcessFacts;
import io.styxy.observers.support.SocketOwners;
import io.styxy.observers.support.Users;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads the kernel's socket tables from procfs: TCP sockets in LISTEN state, UDP sockets that are bound and not
 * connected. Owners come from {@link SocketOwners} (inode → processes, remembered between scans), user names from
 * the socket's uid. Never forks.
 */
final class ProcfsObserver implements PortObserver {

    private record Table(String file, Protocol protocol, AddressFamily family) {
    }

    private static final List<Table> TABLES = List.of(
            new Table("tcp", Protocol.TCP, AddressFamily.IPV4),
            new Table("tcp6", Protocol.TCP, AddressFamily.IPV6),
            new Table("udp", Protocol.UDP, AddressFamily.IPV4),
            new Table("udp6", Protocol.UDP, AddressFamily.IPV6));

    private final Path proc;
    private final boolean resolveOwners;
    private final SocketOwners owners;
    private final Users users;

    ProcfsObserver(Path proc, boolean resolveOwners, Users users) {
        this.proc = proc;
        this.resolveOwners = resolveOwners;
        this.owners = new SocketOwners(proc);
        this.users = users;
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        return scan(-1);
    }

    @Override
    public List<Listener> listeners(int port) throws ObserverException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return scan(port);
    }

    private List<Listener> scan(int onlyPort) throws ObserverException {
        List<RawSocket> sockets = new ArrayList<>();
        for (Table t : TABLES) {
            byte[] text;
            try {
                text = read(proc.resolve("net").resolve(t.file()), t.protocol() == Protocol.TCP);
            } catch (NoSuchFileException e) {
                continue; // a kernel without IPv6, for example
            } catch (IOException e) {
                throw new ObserverException("cannot read " + proc.resolve("net").resolve(t.file()) + ": "
                        + e.getMessage(), e);
            }
            ProcNetTable.parse(text, t.protocol(), t.family(), onlyPort, sockets);
        }
        return attribute(sockets, onlyPort < 0);
    }

    /**
     * Reads a table; a TCP table only up to its first connection row (see {@link ProcNetTable#pastListeners}).
     * Truncated output is cut back to its last complete line.
     */
    private static byte[] read(Path file, boolean stopAfterListeners) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 << 10];
            int len = 0;
            int scanned = 0;
            while (true) {
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return Arrays.copyOf(buf, len);
                }
                len += n;
                if (stopAfterListeners) {
                    int lastNewline = len - 1;
                    while (lastNewline >= scanned && buf[lastNewline] != '\n') {
                        lastNewline--;
                    }
                    if (lastNewline >= scanned) {
                        if (ProcNetTable.pastListeners(buf, scanned, lastNewline + 1)) {
                            return Arrays.copyOf(buf, lastNewline + 1);
                        }
                        scanned = lastNewline + 1;
                    }
                }
            }
        }
    }

    private List<Listener> attribute(List<RawSocket> sockets, boolean complete) {
        Map<Long, List<ProcessFacts>> byInode = Map.of();
        if (resolveOwners && !sockets.isEmpty()) {
            List<Long> inodes = new ArrayList<>(sockets.size());
            for (RawSocket s : sockets) {
                inodes.add(s.inode());
            }
            byInode = owners.owners(inodes, complete);
        }
        List<Listener> listeners = new ArrayList<>(sockets.size());
        for (RawSocket s : sockets) {
            String user = users.name(s.uid());
            List<ProcessFacts> holders = byInode.get(s.inode());
            if (holders == null || holders.isEmpty()) {
                listeners.add(new Listener(s.protocol(), s.family(), s.address(), s.port(), -1, "", "", "", user,
                        s.inode()));
                continue;
            }
            for (ProcessFacts p : holders) {
                listeners.add(new Listener(s.protocol(), s.family(), s.address(), s.port(), p.pid(), p.name(),
                        p.commandLine(), p.cwd(), user, s.inode()));
            }
        }
        return listeners;
    }
}
