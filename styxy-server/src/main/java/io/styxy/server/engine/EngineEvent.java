package io.styxy.server.engine;

import io.styxy.api.Listener;

/** Something that happened in the ledger, for the event stream, metrics and audit. */
public sealed interface EngineEvent {

    /** Why a lease ended. */
    enum ReleaseReason { RELEASED, OWNER_EXITED, INSTANCE_EXPIRED, CLEANUP, REASSIGN_RETRY }

    record LeaseGranted(Lease lease) implements EngineEvent {
    }

    record LeaseReleased(Lease lease, ReleaseReason reason) implements EngineEvent {
    }

    record PortReassigned(Reassignment reassignment) implements EngineEvent {
    }

    record ServiceTypeCreated(CatalogEntry entry) implements EngineEvent {
    }

    record ListenerAppeared(Listener listener) implements EngineEvent {
    }

    record ListenerVanished(Listener listener) implements EngineEvent {
    }
}
