package io.styxy.server.engine;

import io.styxy.api.PortRange;

/** The engine's answer to an {@link AllocationRequest}. */
public sealed interface Allocation {

    int port();

    /** A new lease. {@code autoRange} is set when the request created its service type. */
    record Granted(Lease lease, AutoRange autoRange) implements Allocation {
        @Override
        public int port() {
            return lease.port();
        }
    }

    /** The type is a singleton and already held: here is the holder's lease. */
    record SingletonHeld(Lease existing) implements Allocation {
        @Override
        public int port() {
            return existing.port();
        }
    }

    /** A dry run: the port a real request would get now. */
    record DryRun(int port, String serviceType, String serviceName) implements Allocation {
    }

    /** The range made for an unknown type. */
    record AutoRange(PortRange range, int chunkSize, AutoRangePolicy.Placement placement) {
    }
}
