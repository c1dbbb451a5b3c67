package io.styxy.server.engine;

import io.styxy.api.Protocol;

import java.time.Instant;
import java.util.Objects;

/**
 * A port handed out by the daemon. At most one live lease exists per port.
 *
 * @param lockId      random UUID v4 naming this lease
 * @param port        the port
 * @param protocol    TCP or UDP
 * @param serviceType service type name
 * @param serviceName name given by the client ({@code unnamed-service} by default)
 * @param projectPath project or worktree the service belongs to, or empty
 * @param instanceId  client instance ({@code default} when none was named)
 * @param owner       owning process; {@code null} when the lease is not tied to a process
 * @param origin      how the lease came to be
 * @param createdAt   when it was granted
 * @param renewedAt   last renewal (equal to createdAt until renewed)
 * @param userAgent   client's user agent, or empty
 * @param remoteIp    client's address, or empty
 */
public record Lease(String lockId, int port, Protocol protocol, String serviceType, String serviceName,
                    String projectPath, String instanceId, Owner owner, Origin origin, Instant createdAt,
                    Instant renewedAt, String userAgent, String remoteIp) {

    /** How a lease came to be. */
    public enum Origin {
        /** Asked for through the API or the CLI. */
        API,
        /** Given to a process whose bind() hit a busy port. */
        REASSIGNMENT,
        /** Registered for a port a process already holds. */
        REGISTRATION
    }

    public Lease {
        Objects.requireNonNull(lockId, "lockId");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(serviceType, "serviceType");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(createdAt, "createdAt");
        serviceName = serviceName == null ? "" : serviceName;
        projectPath = projectPath == null ? "" : projectPath;
        instanceId = instanceId == null ? "" : instanceId;
        renewedAt = renewedAt == null ? createdAt : renewedAt;
        userAgent = userAgent == null ? "" : userAgent;
        remoteIp = remoteIp == null ? "" : remoteIp;
    }

    public Lease renewed(Instant at) {
        return new Lease(lockId, port, protocol, serviceType, serviceName, projectPath, instanceId, owner, origin,
                createdAt, at, userAgent, remoteIp);
    }
}
