package io.styxy.server.engine;

import io.styxy.api.ServiceType;

/**
 * A service type and where it came from.
 *
 * @param type   the type
 * @param source {@code builtin}, {@code plugin:<name>}, {@code user} (config.json) or {@code auto} (auto-allocated)
 */
public record CatalogEntry(ServiceType type, String source) {
}
