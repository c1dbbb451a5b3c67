package io.styxy.observers.netstat;

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

/** Runs netstat once per scan; it has no port filter, so a single-port check filters the full table. */
final class NetstatObserver implements PortObserver {

    static final List<String> ARGS = List.of("-l", "-n", "-p", "-t", "-u", "-e", "-W");

    private final Path netstat;
    private final Duration timeout;
    private final ProcessCache processes;
    private final Users users;

    NetstatObserver(Path netstat, Duration timeout, ProcessCache processes, Users users) {
        this.netstat = netstat;
        this.timeout = timeout;
        this.processes = processes;
        this.users = users;
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        Tools.Output out = Tools.run(netstat, ARGS, timeout);
        if (out.exitCode() != 0) {
            throw new ObserverException(netstat + " exited with status " + out.exitCode());
        }
        List<SeenSocket> seen = NetstatParser.parse(new String(out.stdout(), StandardCharsets.UTF_8));
        return SeenSocket.toListeners(seen, processes, users);
    }
}
