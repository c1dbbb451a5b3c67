package io.styxy.observers.netlink;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.observers.support.ProcessFacts;
import io.styxy.observers.support.SocketOwners;
import io.styxy.observers.support.Users;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Listeners from four sock_diag dumps (TCP and UDP, IPv4 and IPv6); a single-port check has the kernel filter on
 * the local port. Owners come from {@link SocketOwners}, which remembers them between scans, so a steady-state scan
 * touches procfs only to check that each owning process still lives.
 */
final class NetlinkObserver implements PortObserver {

    private static final Protocol[] PROTOCOLS = {Protocol.TCP, Protocol.UDP};
    private static final AddressFamily[] FAMILIES = {AddressFamily.IPV4, AddressFamily.IPV6};

    private final SockDiag diag;
    private final boolean resolveOwners;
    private final SocketOwners owners;
    private final Users users;

    NetlinkObserver(Duration timeout, boolean resolveOwners, Path proc, Users users) {
        this.diag = new SockDiag(timeout);
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
        List<DiagSocket> sockets = new ArrayList<>();
        for (Protocol p : PROTOCOLS) {
            for (AddressFamily f : FAMILIES) {
                diag.dump(p, f, onlyPort, sockets);
            }
        }
        Map<Long, List<ProcessFacts>> byInode = Map.of();
        if (resolveOwners && !sockets.isEmpty()) {
            List<Long> inodes = new ArrayList<>(sockets.size());
            for (DiagSocket s : sockets) {
                inodes.add(s.inode());
            }
            byInode = owners.owners(inodes, onlyPort < 0);
        }
        List<Listener> out = new ArrayList<>(sockets.size());
        for (DiagSocket s : sockets) {
            String user = users.name(s.uid());
            List<ProcessFacts> holders = byInode.get(s.inode());
            if (holders == null || holders.isEmpty()) {
                out.add(new Listener(s.protocol(), s.family(), s.address(), s.port(), -1, "", "", "", user,
                        s.inode()));
                continue;
            }
            for (ProcessFacts p : holders) {
                out.add(new Listener(s.protocol(), s.family(), s.address(), s.port(), p.pid(), p.name(),
                        p.commandLine(), p.cwd(), user, s.inode()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        diag.close();
    }
}
