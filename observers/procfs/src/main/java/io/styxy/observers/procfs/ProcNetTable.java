package io.styxy.observers.procfs;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.observers.support.Addresses;

import java.nio.ByteOrder;
import java.util.List;

/**
 * Parses {@code /proc/net/{tcp,tcp6,udp,udp6}}: a header line, then rows of
 * {@code sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …}, addresses as
 * {@code HEX:PORT}. The kernel prints each 32-bit word of an address as a number in host byte order.
 *
 * <p>Works on the raw bytes, with no regular expressions and no per-field strings: a machine with thousands of
 * sockets parses in well under a millisecond.
 */
final class ProcNetTable {

    static final int TCP_LISTEN = 0x0A;
    static final int TCP_CLOSE = 0x07;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private ProcNetTable() {
    }

    /**
     * Adds the listening rows of one table to {@code out}: TCP in LISTEN, UDP unconnected (CLOSE state, no remote
     * port) and bound to a port.
     *
     * @param onlyPort a port to keep, or -1 for all
     */
    static void parse(byte[] text, Protocol protocol, AddressFamily family, int onlyPort, List<RawSocket> out) {
        int pos = nextLine(text, 0); // header
        int wantedState = protocol == Protocol.TCP ? TCP_LISTEN : TCP_CLOSE;
        int hexLen = family == AddressFamily.IPV4 ? 8 : 32;
        int[] f = new int[20];
        while (pos < text.length) {
            int end = lineEnd(text, pos);
            int n = fields(text, pos, end, f);
            pos = end + 1;
            if (n < 10) {
                continue;
            }
            int local = f[1];
            int remote = f[2];
            if (local + hexLen + 5 > end || remote + hexLen + 5 > end) {
                continue;
            }
            if (text[local + hexLen] != ':' || text[remote + hexLen] != ':') {
                continue;
            }
            int port = hex(text, local + hexLen + 1, 4);
            int remotePort = hex(text, remote + hexLen + 1, 4);
            int state = hex(text, f[3], 2);
            if (port <= 0 || state != wantedState || (onlyPort >= 0 && port != onlyPort)) {
                continue;
            }
            if (protocol == Protocol.UDP && remotePort != 0) {
                continue;
            }
            long uid = decimal(text, f[7]);
            long inode = decimal(text, f[9]);
            out.add(new RawSocket(protocol, family, Addresses.format(address(text, local, hexLen)), port, uid,
                    inode));
        }
    }

    /**
     * Whether {@code text[from, to)} holds a complete TCP row that is not in LISTEN state. The kernel lists every
     * listening socket before the first connection, so after such a row nothing more needs to be read: that spares
     * the walk over the rest of the connection hash table, the most expensive part of reading the file.
     */
    static boolean pastListeners(byte[] text, int from, int to) {
        int pos = from;
        int[] f = new int[4];
        while (pos < to) {
            int end = pos;
            while (end < to && text[end] != '\n') {
                end++;
            }
            if (end >= to) {
                return false; // incomplete line
            }
            int n = fields(text, pos, end, f);
            if (n == 4 && text[f[0]] != 's' && hex(text, f[3], 2) >= 0 && hex(text, f[3], 2) != TCP_LISTEN) {
                return true;
            }
            pos = end + 1;
        }
        return false;
    }

    /** The bytes of an address in network order. */
    static byte[] address(byte[] text, int at, int hexLen) {
        byte[] raw = new byte[hexLen / 2];
        for (int word = 0; word < raw.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int printed = LITTLE_ENDIAN ? 3 - b : b;
                raw[word * 4 + b] = (byte) hex(text, at + (word * 4 + printed) * 2, 2);
            }
        }
        return raw;
    }

    private static int nextLine(byte[] text, int from) {
        int end = lineEnd(text, from);
        return end + 1;
    }

    private static int lineEnd(byte[] text, int from) {
        int i = from;
        while (i < text.length && text[i] != '\n') {
            i++;
        }
        return i;
    }

    /** Start offsets of the space-separated fields of one line; returns how many (at most {@code f.length}). */
    private static int fields(byte[] text, int from, int end, int[] f) {
        int n = 0;
        int i = from;
        while (i < end && n < f.length) {
            while (i < end && text[i] == ' ') {
                i++;
            }
            if (i >= end) {
                break;
            }
            f[n++] = i;
            while (i < end && text[i] != ' ') {
                i++;
            }
        }
        return n;
    }

    private static int hex(byte[] text, int at, int len) {
        int v = 0;
        for (int i = at; i < at + len && i < text.length; i++) {
            int c = text[i];
            int d;
            if (c >= '0' && c <= '9') {
                d = c - '0';
            } else if (c >= 'A' && c <= 'F') {
                d = c - 'A' + 10;
            } else if (c >= 'a' && c <= 'f') {
                d = c - 'a' + 10;
            } else {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    private static long decimal(byte[] text, int at) {
        long v = 0;
        for (int i = at; i < text.length; i++) {
            int c = text[i];
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
