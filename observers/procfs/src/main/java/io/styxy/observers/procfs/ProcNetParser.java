package io.styxy.observers.procfs;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses one row of {@code /proc/net/{tcp,tcp6,udp,udp6}}:
 * {@code sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …}.
 * Addresses are hex in the kernel's byte order: each 32-bit word is stored little-endian on x86.
 */
final class ProcNetParser {

    private ProcNetParser() {
    }

    /** The parsed row, or {@code null} for a line that is not a socket row. */
    static RawSocket parse(String line, Protocol protocol, AddressFamily family) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10) {
            return null;
        }
        int colon = f[1].indexOf(':');
        int remoteColon = f[2].indexOf(':');
        if (colon < 0 || remoteColon < 0) {
            return null;
        }
        try {
            String address = decodeAddress(f[1].substring(0, colon));
            int port = Integer.parseInt(f[1].substring(colon + 1), 16);
            int remotePort = Integer.parseInt(f[2].substring(remoteColon + 1), 16);
            int uid = Integer.parseInt(f[7]);
            long inode = Long.parseLong(f[9]);
            return new RawSocket(protocol, family, address, port, remotePort, f[3], uid, inode);
        } catch (NumberFormatException | UnknownHostException e) {
            return null;
        }
    }

    /** Hex address as printed by the kernel → textual address ({@code 0.0.0.0}, {@code ::1}, …). */
    static String decodeAddress(String hex) throws UnknownHostException {
        byte[] bytes = new byte[hex.length() / 2];
        // The kernel prints each 4-byte word in host (little-endian) order.
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int hexPos = (word * 4 + (3 - b)) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(hexPos, hexPos + 2), 16);
            }
        }
        String text = InetAddress.getByAddress(bytes).getHostAddress();
        return bytes.length == 16 ? compressIpv6(text) : text;
    }

    /** {@code 0:0:0:0:0:0:0:1} → {@code ::1}; the JDK prints IPv6 addresses uncompressed. */
    static String compressIpv6(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
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
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }
}
