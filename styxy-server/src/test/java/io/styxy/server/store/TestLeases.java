package io.styxy.server.store;

import io.styxy.api.Protocol;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.Owner;

import java.time.Instant;
import java.util.UUID;

/** Leases for the store's tests: every field filled, an owner on even ports, none on odd ones. */
final class TestLeases {

    private TestLeases() {
    }

    static Lease lease(int port) {
        Instant at = Instant.ofEpochMilli(1_764_000_000_000L + port);
        return new Lease(UUID.randomUUID().toString(), port, Protocol.TCP, "dev", "web", "/p", "default",
                port % 2 == 0 ? new Owner(port, 99) : null, Lease.Origin.API, at, at, "curl", "127.0.0.1");
    }
}
