package io.styxy.observers.ss;

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
import java.util.ArrayList;
import java.util.List;

/** Runs {@code ss} once per scan; a single-port check passes ss its own {@code sport = :PORT} filter. */
final class SsObserver implements PortObserver {

    static final List<String> ARGS = List.of("-H", "-l", "-n", "-p", "-e", "-t", "-u");

    private final Path ss;
    private final Duration timeout;
    private final ProcessCache processes;
    private final Users users;

    SsObserver(Path ss, Duration timeout, ProcessCache processes, Users users) {
        this.ss = ss;
        this.timeout = timeout;
        this.processes = processes;
        this.users = users;
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        return run(ARGS);
    }

    @Override
    public List<Listener> listeners(int port) throws ObserverException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        List<String> args = new ArrayList<>(ARGS);
        args.addAll(List.of("sport", "=", ":" + port));
        return run(args).stream().filter(l -> l.port() == port).toList();
    }

    private List<Listener> run(List<String> args) throws ObserverException {
        Tools.Output out = Tools.run(ss, args, timeout);
        if (out.exitCode() != 0) {
            throw new ObserverException(ss + " exited with status " + out.exitCode());
        }
        List<SeenSocket> seen = SsParser.parse(new String(out.stdout(), StandardCharsets.UTF_8));
        return SeenSocket.toListeners(seen, processes, users);
    }
}
