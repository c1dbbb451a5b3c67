package com.example.styxy.declared;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The declarations file: one declared listener a line, {@code #} starts a comment.
 *
 * <pre>
 * # protocol  port or first-last  [address]  [label …]
 * tcp 5432                         postgres on the Windows side
 * tcp 8443-8445  127.0.0.1         corporate proxy
 * udp 5353       ::                mdns
 * </pre>
 *
 * The address is an IPv4 or IPv6 literal and defaults to {@code 0.0.0.0}; the label is free text, shown as the
 * process name. Ranges hold at most {@value #MAX_RANGE} ports. Every error names the file and the line.
 */
final class DeclaredPorts {

    /** Most ports one line may declare. */
    static final int MAX_RANGE = 1024;

    private DeclaredPorts() {
    }

    static List<Listener> parse(String text, String fileName) throws ObserverException {
        List<Listener> listeners = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (content.isEmpty()) {
                continue;
            }
            String where = fileName + ":" + (i + 1) + ": ";
            String[] tokens = content.split("\\s+", 4);
            if (tokens.length < 2) {
                throw new ObserverException(where + "expected \"tcp|udp PORT [ADDRESS] [LABEL]\", got \"" + content
                        + "\"");
            }
            Protocol protocol = protocol(tokens[0], where);
            int[] ports = ports(tokens[1], where);
            String address = "0.0.0.0";
            AddressFamily family = AddressFamily.IPV4;
            int labelFrom = 2;
            if (tokens.length > 2) {
                InetAddress literal = literal(tokens[2], where);
                if (literal != null) {
                    address = literal.getHostAddress();
                    family = literal instanceof Inet6Address ? AddressFamily.IPV6 : AddressFamily.IPV4;
                    labelFrom = 3;
                }
            }
            String label = String.join(" ", java.util.Arrays.copyOfRange(tokens, Math.min(labelFrom, tokens.length),
                    tokens.length));
            String origin = "declared in " + fileName + " line " + (i + 1);
            for (int port = ports[0]; port <= ports[1]; port++) {
                listeners.add(new Listener(protocol, family, address, port, -1, label, origin, "", "", 0));
            }
        }
        return List.copyOf(listeners);
    }

    private static Protocol protocol(String token, String where) throws ObserverException {
        return switch (token.toLowerCase(Locale.ROOT)) {
            case "tcp" -> Protocol.TCP;
            case "udp" -> Protocol.UDP;
            default -> throw new ObserverException(where + "the protocol must be tcp or udp, got \"" + token + "\"");
        };
    }

    private static int[] ports(String token, String where) throws ObserverException {
        String[] parts = token.split("-", -1);
        if (parts.length > 2) {
            throw new ObserverException(where + "expected a port or first-last, got \"" + token + "\"");
        }
        int first = port(parts[0], where);
        int last = parts.length == 2 ? port(parts[1], where) : first;
        if (last < first) {
            throw new ObserverException(where + "the range " + token + " ends before it starts");
        }
        if (last - first + 1 > MAX_RANGE) {
            throw new ObserverException(where + "the range " + token + " holds " + (last - first + 1)
                    + " ports; at most " + MAX_RANGE + " a line");
        }
        return new int[]{first, last};
    }

    private static int port(String token, String where) throws ObserverException {
        try {
            int port = Integer.parseInt(token);
            if (port >= 1 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ObserverException(where + "a port must be a number from 1 to 65535, got \"" + token + "\"");
    }

    /**
     * The address when {@code token} is an IP literal (never a name lookup), {@code null} when it is the start of a
     * label. A token made of digits, dots and colons must be a valid address.
     */
    private static InetAddress literal(String token, String where) throws ObserverException {
        if (!token.matches("[0-9a-fA-F:.%]+") || !(token.contains(".") || token.contains(":"))) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(token);
        } catch (IllegalArgumentException e) {
            throw new ObserverException(where + "\"" + token + "\" is not an IPv4 or IPv6 address; start a label"
                    + " with a letter");
        }
    }
}
