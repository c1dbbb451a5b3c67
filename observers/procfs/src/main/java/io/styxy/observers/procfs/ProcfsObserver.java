package io.styxy.observers.procfs;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the kernel's socket tables from procfs. A TCP socket counts when it is in LISTEN state (0A); a UDP socket
 * when it is unconnected (state 07, remote port 0). Owners are found by walking {@code /proc/<pid>/fd} for
 * {@code socket:[inode]} links — only the listeners' inodes are looked for, so the walk stops early.
 */
final class ProcfsObserver implements PortObserver {

    private static final String TCP_LISTEN = "0A";
    private static final String UDP_UNCONNECTED = "07";

    private final Path proc;
    private final boolean resolveOwners;

    ProcfsObserver(Path proc, boolean resolveOwners) {
        this.proc = proc;
        this.resolveOwners = resolveOwners;
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        List<RawSocket> sockets = new ArrayList<>();
        read("tcp", Protocol.TCP, AddressFamily.IPV4, sockets, -1);
        read("tcp6", Protocol.TCP, AddressFamily.IPV6, sockets, -1);
        read("udp", Protocol.UDP, AddressFamily.IPV4, sockets, -1);
        read("udp6", Protocol.UDP, AddressFamily.IPV6, sockets, -1);
        return attribute(sockets);
    }

    @Override
    public List<Listener> listeners(int port) throws ObserverException {
        List<RawSocket> sockets = new ArrayList<>();
        read("tcp", Protocol.TCP, AddressFamily.IPV4, sockets, port);
        read("tcp6", Protocol.TCP, AddressFamily.IPV6, sockets, port);
        read("udp", Protocol.UDP, AddressFamily.IPV4, sockets, port);
        read("udp6", Protocol.UDP, AddressFamily.IPV6, sockets, port);
        return attribute(sockets);
    }

    private void read(String table, Protocol protocol, AddressFamily family, List<RawSocket> out, int onlyPort)
            throws ObserverException {
        List<String> lines;
        try {
            lines = Files.readAllLines(proc.resolve("net").resolve(table), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return; // no IPv6 in this kernel, for example
        } catch (IOException e) {
            throw new ObserverException("cannot read /proc/net/" + table + ": " + e.getMessage(), e);
        }
        for (int i = 1; i < lines.size(); i++) {
            RawSocket socket = ProcNetParser.parse(lines.get(i), protocol, family);
            if (socket == null || (onlyPort >= 0 && socket.port() != onlyPort)) {
                continue;
            }
            boolean listening = protocol == Protocol.TCP
                    ? TCP_LISTEN.equals(socket.state())
                    : UDP_UNCONNECTED.equals(socket.state()) && socket.remotePort() == 0;
            if (listening) {
                out.add(socket);
            }
        }
    }

    private List<Listener> attribute(List<RawSocket> sockets) {
        Map<Long, ProcessFacts> owners = resolveOwners && !sockets.isEmpty() ? findOwners(sockets) : Map.of();
        List<Listener> listeners = new ArrayList<>(sockets.size());
        for (RawSocket s : sockets) {
            ProcessFacts p = owners.get(s.inode());
            listeners.add(p == null
                    ? new Listener(s.protocol(), s.family(), s.address(), s.port(), -1, "", "", "", uidName(s.uid()),
                    s.inode())
                    : new Listener(s.protocol(), s.family(), s.address(), s.port(), p.pid(), p.name(), p.commandLine(),
                    p.cwd(), uidName(s.uid()), s.inode()));
        }
        return listeners;
    }

    private Map<Long, ProcessFacts> findOwners(List<RawSocket> sockets) {
        Map<String, Long> wanted = new HashMap<>();
        for (RawSocket s : sockets) {
            if (s.inode() != 0) {
                wanted.put("socket:[" + s.inode() + "]", s.inode());
            }
        }
        Map<Long, ProcessFacts> found = new HashMap<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, ProcfsObserver::isPidDir)) {
            for (Path pidDir : pids) {
                if (found.size() == wanted.size()) {
                    break;
                }
                scanFds(pidDir, wanted, found);
            }
        } catch (IOException e) {
            // A vanished process or unreadable /proc leaves those listeners without an owner; never fatal.
        }
        return found;
    }

    private static boolean isPidDir(Path path) {
        String name = path.getFileName().toString();
        return !name.isEmpty() && Character.isDigit(name.charAt(0));
    }

    private void scanFds(Path pidDir, Map<String, Long> wanted, Map<Long, ProcessFacts> found) {
        ProcessFacts facts = null;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(pidDir.resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                Long inode = wanted.get(target);
                if (inode != null && !found.containsKey(inode)) {
                    if (facts == null) {
                        facts = ProcessFacts.read(pidDir);
                    }
                    found.put(inode, facts);
                }
            }
        } catch (IOException | SecurityException e) {
            // Another user's process: its fds are not visible to us.
        }
    }

    private static String uidName(int uid) {
        return uid < 0 ? "" : Integer.toString(uid);
    }
}
