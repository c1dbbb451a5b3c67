package io.styxy.observers.support;

import io.styxy.api.AddressFamily;

import java.util.Locale;

/**
 * Canonical address text, so every observer names the same socket the same way: IPv4 dotted quads, IPv6 in the
 * RFC 5952 form ({@code ::}, {@code ::1}, {@code fe80::1}, {@code ::ffff:127.0.0.1}), never brackets, never a zone
 * or interface suffix ({@code %eth0}, {@code %lo}).
 */
public final class Addresses {

    /** An address and a port as a tool printed them; {@code port} is {@code -1} for {@code *}. */
    public record HostPort(String address, AddressFamily family, int port) {
    }

    private Addresses() {
    }

    /** Formats 4 or 16 raw bytes (network order). */
    public static String format(byte[] raw) {
        if (raw.length == 4) {
            return (raw[0] & 0xff) + "." + (raw[1] & 0xff) + "." + (raw[2] & 0xff) + "." + (raw[3] & 0xff);
        }
        if (raw.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + raw.length);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((raw[2 * i] & 0xff) << 8) | (raw[2 * i + 1] & 0xff);
        }
        return formatGroups(groups);
    }

    /** Formats eight 16-bit groups: longest run of two or more zero groups shortened to {@code ::}. */
    static String formatGroups(int[] g) {
        boolean mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
        if (mapped) {
            return "::ffff:" + (g[6] >>> 8) + "." + (g[6] & 0xff) + "." + (g[7] >>> 8) + "." + (g[7] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /**
     * The canonical form of an address literal as a tool printed it: brackets and a {@code %zone} or
     * {@code %interface} suffix are dropped, IPv6 is re-formatted.
     *
     * @throws IllegalArgumentException if the text is not an IPv4 or IPv6 literal
     */
    public static String canonical(String text) {
        String s = text.strip();
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unbalanced bracket in address: " + text);
            }
            s = s.substring(1, close);
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        if (s.indexOf(':') >= 0) {
            return formatGroups(parseIpv6(s, text));
        }
        return format(parseIpv4(s, text));
    }

    /** IPv6 if the canonical text has a colon, else IPv4. */
    public static AddressFamily familyOf(String canonical) {
        return canonical.indexOf(':') >= 0 ? AddressFamily.IPV6 : AddressFamily.IPV4;
    }

    /**
     * Splits {@code address:port} as ss, lsof and netstat print it: {@code 127.0.0.1:80}, {@code [::1]:80},
     * {@code [fe80::1]%eth0:80}, {@code 0.0.0.0%lo:80}, {@code ::1:80} (netstat, no brackets), {@code *:80}. A bare
     * {@code *} address is the wildcard of {@code wildcardFamily}.
     */
    public static HostPort splitHostPort(String text, AddressFamily wildcardFamily) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("no port in " + text);
        }
        String portText = s.substring(colon + 1);
        int port = portText.equals("*") ? -1 : Integer.parseInt(portText);
        if (port > 65_535) {
            throw new IllegalArgumentException("port out of range in " + text);
        }
        String host = s.substring(0, colon);
        int zone = host.startsWith("[") ? host.indexOf('%', host.indexOf(']')) : host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        if (host.equals("*")) {
            String any = wildcardFamily == AddressFamily.IPV4 ? "0.0.0.0" : "::";
            return new HostPort(any, wildcardFamily, port);
        }
        String address = canonical(host);
        return new HostPort(address, familyOf(address), port);
    }

    private static byte[] parseIpv4(String s, String original) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + original);
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v = parseDecimalOctet(parts[i], original);
            out[i] = (byte) v;
        }
        return out;
    }

    private static int parseDecimalOctet(String part, String original) {
        if (part.isEmpty() || part.length() > 3) {
            throw new IllegalArgumentException("not an IPv4 address: " + original);
        }
        int v = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not an IPv4 address: " + original);
            }
            v = v * 10 + (c - '0');
        }
        if (v > 255) {
            throw new IllegalArgumentException("not an IPv4 address: " + original);
        }
        return v;
    }

    private static int[] parseIpv6(String s, String original) {
        String lower = s.toLowerCase(Locale.ROOT);
        int gap = lower.indexOf("::");
        if (gap >= 0 && lower.indexOf("::", gap + 1) >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: " + original);
        }
        int[] head = gap < 0 ? groups(lower, original) : groups(lower.substring(0, gap), original);
        int[] tail = gap < 0 ? new int[0] : groups(lower.substring(gap + 2), original);
        int total = head.length + tail.length;
        if ((gap < 0 && total != 8) || (gap >= 0 && total > 7)) {
            throw new IllegalArgumentException("not an IPv6 address: " + original);
        }
        int[] out = new int[8];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, 8 - tail.length, tail.length);
        return out;
    }

    /** Colon-separated hex groups; a dotted IPv4 tail counts as two groups. */
    private static int[] groups(String part, String original) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] items = part.split(":", -1);
        boolean v4Tail = items[items.length - 1].indexOf('.') >= 0;
        int[] out = new int[items.length + (v4Tail ? 1 : 0)];
        for (int i = 0; i < items.length; i++) {
            String item = items[i];
            if (i == items.length - 1 && v4Tail) {
                byte[] v4 = parseIpv4(item, original);
                out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
                break;
            }
            if (item.isEmpty() || item.length() > 4) {
                throw new IllegalArgumentException("not an IPv6 address: " + original);
            }
            try {
                out[i] = Integer.parseInt(item, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv6 address: " + original, e);
            }
        }
        return out;
    }
}
