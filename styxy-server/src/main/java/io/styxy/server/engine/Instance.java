package io.styxy.server.engine;

import java.time.Instant;
import java.util.Map;

/**
 * A registered client instance (an agent session, an IDE) that proves it is alive with heartbeats. Leases made with
 * its instance id are released when its heartbeats stop.
 *
 * @param instanceId       id chosen by the client
 * @param workingDirectory the client's working directory, or empty
 * @param metadata         free-form facts the client sent (strings, numbers, booleans, nested maps and lists)
 * @param registeredAt     first registration
 * @param lastHeartbeat    last heartbeat (or registration)
 */
public record Instance(String instanceId, String workingDirectory, Map<String, Object> metadata,
                       Instant registeredAt, Instant lastHeartbeat) {

    public Instance {
        workingDirectory = workingDirectory == null ? "" : workingDirectory;
        metadata = metadata == null ? Map.of() : metadata;
    }

    public Instance beat(Instant at) {
        return new Instance(instanceId, workingDirectory, metadata, registeredAt, at);
    }
}
