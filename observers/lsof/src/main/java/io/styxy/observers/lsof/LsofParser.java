package io.styxy.observers.lsof;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.observers.support.Addresses;
import io.styxy.observers.support.SeenSocket;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses lsof's field output, {@code lsof -nP -w -iTCP -iUDP -FpcuLftPnT0}: every field is one identifier letter
 * and its value, ended by NUL; a line holds one process set ({@code p} pid, {@code c} command, {@code u} uid,
 * {@code L} login) or one file set ({@code f} fd, {@code t} IPv4/IPv6, {@code P} TCP/UDP, {@code n} name,
 * {@code T} TCP/TPI info such as {@code ST=LISTEN}). Field output is lsof's stable interface for programs; unlike
 * the column output it never truncates, pads or shifts columns.
 *
 * <p>Kept: TCP files in state LISTEN, UDP files whose name has no {@code ->} peer. {@code *:port} is the wildcard of
 * the file's family. The same socket shared by several processes yields one entry per process. Newline-separated
 * output (no {@code 0} in {@code -F}) is accepted too.
 */
final class LsofParser {

    private LsofParser() {
    }

    private static final class File {
        String type = "";
        String protocol = "";
        String name = "";
        String state = "";
    }

    static List<SeenSocket> parse(String text) {
        List<SeenSocket> out = new ArrayList<>();
        boolean nul = text.indexOf('\0') >= 0;
        long pid = -1;
        String command = "";
        long uid = -1;
        String login = "";
        File file = null;
        int i = 0;
        while (i < text.length()) {
            int end = nul ? text.indexOf('\0', i) : text.indexOf('\n', i);
            if (end < 0) {
                end = text.length();
            }
            String field = text.substring(i, end);
            i = end + 1;
            if (nul) {
                field = field.replace("\n", "");
            }
            if (field.isEmpty()) {
                continue;
            }
            char id = field.charAt(0);
            String value = field.substring(1);
            switch (id) {
                case 'p' -> {
                    emit(file, pid, command, uid, login, out);
                    file = null;
                    pid = parseLong(value);
                    command = "";
                    uid = -1;
                    login = "";
                }
                case 'c' -> command = value;
                case 'u' -> uid = parseLong(value);
                case 'L' -> login = value;
                case 'f' -> {
                    emit(file, pid, command, uid, login, out);
                    file = new File();
                }
                case 't' -> {
                    if (file != null) {
                        file.type = value;
                    }
                }
                case 'P' -> {
                    if (file != null) {
                        file.protocol = value;
                    }
                }
                case 'n' -> {
                    if (file != null) {
                        file.name = value;
                    }
                }
                case 'T' -> {
                    if (file != null && value.startsWith("ST=")) {
                        file.state = value.substring(3);
                    }
                }
                default -> {
                    // other fields (TQR=, TQS=, device, size…) are not needed
                }
            }
        }
        emit(file, pid, command, uid, login, out);
        return out;
    }

    private static void emit(File f, long pid, String command, long uid, String login, List<SeenSocket> out) {
        if (f == null || f.name.isEmpty()) {
            return;
        }
        Protocol protocol;
        if (f.protocol.equalsIgnoreCase("TCP")) {
            protocol = Protocol.TCP;
            if (!f.state.equals("LISTEN")) {
                return;
            }
        } else if (f.protocol.equalsIgnoreCase("UDP")) {
            protocol = Protocol.UDP;
            if (f.name.contains("->")) {
                return;
            }
        } else {
            return;
        }
        AddressFamily family = f.type.equals("IPv4") ? AddressFamily.IPV4 : AddressFamily.IPV6;
        String name = f.name;
        int space = name.indexOf(' ');
        if (space > 0) {
            name = name.substring(0, space); // "host:port (LISTEN)" in some builds
        }
        Addresses.HostPort hp;
        try {
            hp = Addresses.splitHostPort(name, family);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (hp.port() <= 0) {
            return;
        }
        out.add(new SeenSocket(protocol, hp.family(), hp.address(), hp.port(), pid, command, uid, login, 0));
    }

    private static long parseLong(String v) {
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
