package io.styxy.observers.ss;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.observers.support.Addresses;
import io.styxy.observers.support.SeenSocket;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code ss -l -n -p [-e] -t -u} output (iproute2), with or without the header line ({@code -H}):
 * <pre>
 * tcp LISTEN 0 128 127.0.0.1:47100 0.0.0.0:* users:(("python3",pid=9097,fd=3)) ino:15979 sk:a cgroup:/ &lt;-&gt;
 * tcp LISTEN 0 128 [::1]:47100 [::]:* users:(("python3",pid=9097,fd=4)) uid:65534 ino:15980 …
 * tcp LISTEN 0 128 *:47304 *:* users:(("node",pid=1,fd=3),("node",pid=2,fd=3)) …
 * tcp LISTEN 0 128 0.0.0.0%lo:47301 0.0.0.0:* …
 * udp UNCONN 0 0 [fe80::1]%eth0:5353 [::]:* ino:123 …        (another user's socket: no users:)
 * </pre>
 * A socket held by several processes (pre-fork servers) yields one entry per holder. The process name is the
 * text between {@code ("} and {@code ",pid=}, so names with spaces, commas or quotes survive. {@code *} is the
 * dual-stack IPv6 wildcard ({@code ::}). With {@code -e}, a missing {@code uid:} means uid 0.
 */
final class SsParser {

    private static final Pattern USER = Pattern.compile("\\(\"((?:[^\"]|\"(?!,pid=))*)\",pid=(\\d+),fd=(\\d+)\\)");
    private static final Pattern INODE = Pattern.compile("(?:^|\\s)ino:(\\d+)");
    private static final Pattern UID = Pattern.compile("(?:^|\\s)uid:(\\d+)");

    private SsParser() {
    }

    static List<SeenSocket> parse(String text) {
        List<SeenSocket> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("Netid") || line.startsWith("State")) {
                continue;
            }
            parseLine(line, out);
        }
        return out;
    }

    private static void parseLine(String line, List<SeenSocket> out) {
        int[] pos = {0};
        String first = token(line, pos);
        Protocol protocol;
        String state;
        switch (first) {
            case "tcp" -> {
                protocol = Protocol.TCP;
                state = token(line, pos);
            }
            case "udp" -> {
                protocol = Protocol.UDP;
                state = token(line, pos);
            }
            case "LISTEN" -> {
                protocol = Protocol.TCP;
                state = first;
            }
            case "UNCONN" -> {
                protocol = Protocol.UDP;
                state = first;
            }
            default -> {
                return; // raw, sctp, mptcp, or not a socket line
            }
        }
        boolean listening = protocol == Protocol.TCP ? state.equals("LISTEN") : state.equals("UNCONN");
        if (!listening) {
            return;
        }
        token(line, pos); // Recv-Q
        token(line, pos); // Send-Q
        String local = token(line, pos);
        String peer = token(line, pos);
        if (local.isEmpty() || peer.isEmpty()) {
            return;
        }
        Addresses.HostPort hp;
        try {
            hp = Addresses.splitHostPort(local, AddressFamily.IPV6);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (hp.port() <= 0) {
            return;
        }
        String rest = line.substring(pos[0]);
        List<String[]> holders = new ArrayList<>();
        int tailStart = 0;
        int users = rest.indexOf("users:((");
        if (users >= 0) {
            Matcher m = USER.matcher(rest);
            int from = users + "users:(".length();
            while (m.find(from) && m.start() == from) {
                holders.add(new String[]{m.group(1), m.group(2)});
                from = m.end();
                if (from < rest.length() && rest.charAt(from) == ',') {
                    from++;
                }
            }
            tailStart = from;
        }
        String tail = rest.substring(Math.min(tailStart, rest.length()));
        long inode = find(INODE, tail);
        long uid = find(UID, tail);
        if (uid < 0 && inode >= 0) {
            uid = 0; // ss -e prints uid only when it is not 0
        }
        long ino = Math.max(inode, 0);
        if (holders.isEmpty()) {
            out.add(new SeenSocket(protocol, hp.family(), hp.address(), hp.port(), -1, "", uid, "", ino));
            return;
        }
        for (String[] h : holders) {
            out.add(new SeenSocket(protocol, hp.family(), hp.address(), hp.port(), Long.parseLong(h[1]), h[0], uid,
                    "", ino));
        }
    }

    private static long find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The next whitespace-separated token from {@code pos[0]}, advancing it; empty at the end. */
    private static String token(String line, int[] pos) {
        int i = pos[0];
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        int start = i;
        while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        pos[0] = i;
        return line.substring(start, i);
    }
}
