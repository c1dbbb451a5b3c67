package io.styxy.server.os;

import io.styxy.api.PortRange;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's ephemeral port range, which managed ranges should stay out of. */
public final class EphemeralPorts {

    private EphemeralPorts() {
    }

    /** {@code /proc/sys/net/ipv4/ip_local_port_range}, or {@code null} where it cannot be read. */
    public static PortRange read() {
        try {
            // Read as a stream: Files.readString sees the size 0 that /proc/sys reports and returns one byte.
            String text;
            try (var in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
                text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            }
            String[] parts = text.trim().split("\\s+");
            return PortRange.of(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
