package io.styxy.server.http;

import io.styxy.api.PortRange;
import io.styxy.server.config.UserConfig;
import io.styxy.server.engine.CatalogEntry;

import java.util.List;

/**
 * The configuration the daemon runs with, for {@code GET /v1/config} and {@code POST /v1/config/validate}.
 *
 * @param userConfig the parsed {@code config.json} (its file may not exist)
 * @param base       the service types below the user's file: built-ins, then plugins
 * @param ephemeral  the kernel's ephemeral port range, or {@code null} when unknown
 * @param durability the store's durability as configured ({@code normal} or {@code full})
 */
public record ConfigFacts(UserConfig userConfig, List<CatalogEntry> base, PortRange ephemeral, String durability) {

    public ConfigFacts {
        base = List.copyOf(base);
    }
}
