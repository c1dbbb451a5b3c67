package io.styxy.server.http;

import io.styxy.server.audit.AuditLog;
import io.styxy.server.engine.Engine;

import java.time.Instant;
import java.util.function.IntSupplier;

/**
 * What the HTTP adapter needs from the daemon.
 *
 * @param engine    the ledger
 * @param token     the API token
 * @param httpPort  the port the server listens on (known after start), for the Host check
 * @param audit     the audit log
 * @param version   daemon version
 * @param startedAt when the daemon started
 */
public record ApiContext(Engine engine, String token, IntSupplier httpPort, AuditLog audit, String version,
                         Instant startedAt) {
}
