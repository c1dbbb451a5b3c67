package io.styxy.observers.lsof;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.observers.support.ProcessCache;
import io.styxy.observers.support.SeenSocket;
import io.styxy.observers.support.Tools;
import io.styxy.observers.support.Users;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs lsof once per scan. {@code -w} silences warnings, {@code -n -P} avoid name and port look-ups (which can
 * hang). A state filter ({@code -sTCP:LISTEN}) would drop every UDP file, so TCP states are filtered here.
 * A single-port check asks lsof for {@code -iTCP:PORT -iUDP:PORT} only.
 */
final class LsofObserver implements PortObserver {

    static final List<String> FIELDS = List.of("-FpcuLftPnT0");

    private final Path lsof;
    private final Duration timeout;
    private final ProcessCache processes;
    private final Users users;

    LsofObserver(Path lsof, Duration timeout, ProcessCache processes, Users users) {
        this.lsof = lsof;
        this.timeout = timeout;
        this.processes = processes;
        this.users = users;
    }

    static List<String> args(int port) {
        String suffix = port < 0 ? "" : ":" + port;
        return List.of("-nP", "-w", "-iTCP" + suffix, "-iUDP" + suffix, FIELDS.getFirst());
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        return run(-1);
    }

    @Override
    public List<Listener> listeners(int port) throws ObserverException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return run(port).stream().filter(l -> l.port() == port).toList();
    }

    private List<Listener> run(int port) throws ObserverException {
        Tools.Output out = Tools.run(lsof, args(port), timeout);
        // lsof exits 1 when one of its -i selections matched nothing (no UDP socket on that port, say): the
        // answer is then what it printed, not an error.
        if (out.exitCode() != 0 && out.exitCode() != 1) {
            throw new ObserverException(lsof + " exited with status " + out.exitCode());
        }
        List<SeenSocket> seen = LsofParser.parse(new String(out.stdout(), StandardCharsets.UTF_8));
        return SeenSocket.toListeners(seen, processes, users);
    }
}
