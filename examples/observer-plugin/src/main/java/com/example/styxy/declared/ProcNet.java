package com.example.styxy.declared;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening sockets of {@code /proc/net/{tcp,tcp6,udp,udp6}}: TCP sockets in LISTEN and UDP sockets bound but
 * not connected. Owners are not looked up (pid {@code -1}); the socket's uid is given as its user.
 *
 * <p>A row is {@code sl local_address rem_address st … uid timeout inode …}. Addresses are the kernel's 32-bit words
 * printed in host byte order ({@code 0100007F:1F90} is 127.0.0.1:8080 on a little-endian machine); ports are plain
 * hexadecimal.
 */
final class ProcNet {

    private static final String TCP_LISTEN = "0A";
    private static final String UDP_UNCONNECTED = "07";

    private ProcNet() {
    }

    static List<Listener> listeners(Path net) throws ObserverException {
        List<Listener> all = new ArrayList<>();
        read(net.resolve("tcp"), Protocol.TCP, AddressFamily.IPV4, all);
        read(net.resolve("tcp6"), Protocol.TCP, AddressFamily.IPV6, all);
        read(net.resolve("udp"), Protocol.UDP, AddressFamily.IPV4, all);
        read(net.resolve("udp6"), Protocol.UDP, AddressFamily.IPV6, all);
        return all;
    }

    private static void read(Path table, Protocol protocol, AddressFamily family, List<Listener> out)
            throws ObserverException {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (NoSuchFileException e) {
            return; // no IPv6 in this kernel, for instance
        } catch (IOException e) {
            throw new ObserverException(table + ": cannot be read (" + e.getMessage() + ")", e);
        }
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).strip().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            String state = f[3];
            boolean listening = protocol == Protocol.TCP ? state.equals(TCP_LISTEN)
                    : state.equals(UDP_UNCONNECTED) && f[2].endsWith(":0000");
            if (!listening) {
                continue;
            }
            try {
                int colon = f[1].indexOf(':');
                String address = address(f[1].substring(0, colon));
                int port = Integer.parseInt(f[1].substring(colon + 1), 16);
                long inode = Long.parseLong(f[9]);
                out.add(new Listener(protocol, family, address, port, -1, "", "", "", f[7], inode));
            } catch (RuntimeException e) {
                throw new ObserverException(table + " line " + (i + 1) + " cannot be parsed: " + lines.get(i).strip(),
                        e);
            }
        }
    }

    /** The textual address of the kernel's hex words (4 for IPv6, 1 for IPv4), each in host byte order. */
    static String address(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            throw new IllegalArgumentException("an address is 8 or 32 hex digits, got " + hex);
        }
        byte[] bytes = new byte[hex.length() / 2];
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int word = 0; word < hex.length() / 8; word++) {
            for (int b = 0; b < 4; b++) {
                int from = word * 8 + b * 2;
                byte value = (byte) Integer.parseInt(hex.substring(from, from + 2), 16);
                bytes[word * 4 + (little ? 3 - b : b)] = value;
            }
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
