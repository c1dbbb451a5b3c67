package io.styxy.observers.support;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One listening socket as a tool printed it, before the owner's details are filled in.
 *
 * @param pid         owner pid, or -1 when the tool could not see it
 * @param processName the name the tool printed, or empty
 * @param uid         socket or process uid, or -1 when not printed
 * @param user        user name when the tool printed one, else empty (then derived from {@code uid})
 * @param inode       socket inode, or 0 when not printed
 */
public record SeenSocket(Protocol protocol, AddressFamily family, String address, int port, long pid,
                         String processName, long uid, String user, long inode) {

    /**
     * Listeners from what a tool saw: command line and working directory read from procfs when there is one,
     * user names from the uid. Duplicates (the same socket printed once per fd of one process) are dropped.
     */
    public static List<Listener> toListeners(List<SeenSocket> seen, ProcessCache processes, Users users) {
        Map<String, Listener> out = new LinkedHashMap<>();
        for (SeenSocket s : seen) {
            String name = s.processName();
            String commandLine = "";
            String cwd = "";
            long uid = s.uid();
            if (s.pid() > 0) {
                ProcessFacts p = processes.facts(s.pid()).orElse(null);
                if (p != null) {
                    name = p.name().isEmpty() ? name : p.name();
                    commandLine = p.commandLine();
                    cwd = p.cwd();
                    if (uid < 0) {
                        uid = p.uid();
                    }
                }
            }
            String user = !s.user().isEmpty() ? s.user() : users.name(uid);
            Listener l = new Listener(s.protocol(), s.family(), s.address(), s.port(), s.pid(), name, commandLine,
                    cwd, user, s.inode());
            out.putIfAbsent(l.key() + "/" + s.inode(), l);
        }
        return new ArrayList<>(out.values());
    }
}
