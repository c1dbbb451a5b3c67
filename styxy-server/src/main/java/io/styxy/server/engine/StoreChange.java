package io.styxy.server.engine;

/** One durable change the engine asks its store to make. */
public sealed interface StoreChange {

    record LeaseSaved(Lease lease) implements StoreChange {
    }

    record LeaseDeleted(String lockId) implements StoreChange {
    }

    record InstanceSaved(Instance instance) implements StoreChange {
    }

    record InstanceDeleted(String instanceId) implements StoreChange {
    }

    record ReassignmentSaved(Reassignment reassignment) implements StoreChange {
    }
}
