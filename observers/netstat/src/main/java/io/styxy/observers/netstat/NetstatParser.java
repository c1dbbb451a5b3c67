package io.styxy.observers.netstat;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.observers.support.Addresses;
import io.styxy.observers.support.SeenSocket;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses net-tools {@code netstat -l -n -p -t -u [-e] [-W]} output (C locale):
 * <pre>
 * Proto Recv-Q Send-Q Local Address   Foreign Address  State   User  Inode  PID/Program name
 * tcp        0      0 127.0.0.1:47100 0.0.0.0:*        LISTEN  0     15979  9097/python3
 * tcp6       0      0 :::47201        :::*             LISTEN  65534 15228  -
 * udp        0      0 0.0.0.0:47103   0.0.0.0:*                0     15985  9097/python3
 * </pre>
 * UDP rows have an empty State column, so columns are taken from both ends: after the two addresses comes an
 * optional state word, then (with {@code -e}) the numeric user and the inode, then {@code pid/name} or {@code -}
 * (another user's process). The program name may hold spaces. IPv6 addresses carry no brackets: the port is after
 * the last colon. {@code -W} keeps long addresses whole.
 */
final class NetstatParser {

    private NetstatParser() {
    }

    static List<SeenSocket> parse(String text) {
        List<SeenSocket> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] t = line.split("\\s+", 6);
            if (t.length < 5) {
                continue;
            }
            Protocol protocol;
            AddressFamily family;
            switch (t[0]) {
                case "tcp" -> {
                    protocol = Protocol.TCP;
                    family = AddressFamily.IPV4;
                }
                case "tcp6" -> {
                    protocol = Protocol.TCP;
                    family = AddressFamily.IPV6;
                }
                case "udp" -> {
                    protocol = Protocol.UDP;
                    family = AddressFamily.IPV4;
                }
                case "udp6" -> {
                    protocol = Protocol.UDP;
                    family = AddressFamily.IPV6;
                }
                default -> {
                    continue; // headers, "Active Internet connections", raw sockets
                }
            }
            Addresses.HostPort hp;
            try {
                hp = Addresses.splitHostPort(t[3], family);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (hp.port() <= 0) {
                continue;
            }
            String rest = t.length > 5 ? t[5] : "";
            String[] r = rest.isEmpty() ? new String[0] : rest.split("\\s+");
            int i = 0;
            String state = "";
            if (i < r.length && !isNumber(r[i]) && !r[i].equals("-") && !r[i].matches("\\d+/.*")) {
                state = r[i++];
            }
            if (protocol == Protocol.TCP ? !state.equals("LISTEN") : !(state.isEmpty() || state.equals("CLOSE"))) {
                continue;
            }
            long uid = -1;
            long inode = 0;
            if (i + 1 < r.length && isNumber(r[i]) && isNumber(r[i + 1])) {
                uid = Long.parseLong(r[i]);
                inode = Long.parseLong(r[i + 1]);
                i += 2;
            }
            long pid = -1;
            String name = "";
            if (i < r.length) {
                String owner = String.join(" ", java.util.Arrays.copyOfRange(r, i, r.length));
                int slash = owner.indexOf('/');
                if (slash > 0 && isNumber(owner.substring(0, slash))) {
                    pid = Long.parseLong(owner.substring(0, slash));
                    name = owner.substring(slash + 1).strip();
                }
            }
            out.add(new SeenSocket(protocol, hp.family(), hp.address(), hp.port(), pid, name, uid, "", inode));
        }
        return out;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
