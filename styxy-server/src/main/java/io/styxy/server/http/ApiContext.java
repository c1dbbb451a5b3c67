package io.styxy.server.http;

import io.styxy.server.audit.AuditLog;
import io.styxy.server.engine.Engine;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What the HTTP adapter needs from the daemon.
 *
 * @param engine      the ledger
 * @param token       the API token
 * @param httpPort    the port the server listens on (known after start), for the Host and Origin checks
 * @param audit       the audit log
 * @param version     daemon version
 * @param startedAt   when the daemon started
 * @param socket      the Unix socket path, or {@code null} when it is not served
 * @param home        the state directory, or {@code null} (tests)
 * @param observation port observation
 * @param config      the configuration in force
 * @param plugins     the plugin report (plugins, service types and observers with their sources, conflicts,
 *                    errors, doctor checks) as a JSON-ready map, computed on each call
 */
public record ApiContext(Engine engine, String token, IntSupplier httpPort, AuditLog audit, String version,
                         Instant startedAt, Path socket, Path home, ObservationSource observation,
                         ConfigFacts config, Supplier<Map<String, Object>> plugins) {

    /** A context without plugins (tests). */
    public ApiContext(Engine engine, String token, IntSupplier httpPort, AuditLog audit, String version,
                      Instant startedAt, Path socket, Path home, ObservationSource observation, ConfigFacts config) {
        this(engine, token, httpPort, audit, version, startedAt, socket, home, observation, config,
                () -> Map.of("plugins", List.of(), "errors", List.of(), "checks", List.of()));
    }

    public ApiContext {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(httpPort, "httpPort");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(observation, "observation");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(plugins, "plugins");
    }
}
