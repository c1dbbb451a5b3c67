package io.styxy.server.engine;

import io.styxy.api.Protocol;

/**
 * What a client asks for.
 *
 * @param serviceType   type name (required)
 * @param serviceName   client's name for the service; {@code unnamed-service} when null
 * @param preferredPort port to try first, or {@code null}
 * @param instanceId    client instance, or {@code null} for {@code default}
 * @param projectPath   project or worktree directory, or {@code null}
 * @param ownerPid      process that will use the port; the lease dies with it. {@code null}: no owner
 * @param stable        prefer the same port for the same (project, service name) on every run
 * @param dryRun        only say which port a real request would get
 * @param protocol      TCP (default) or UDP
 * @param userAgent     for the record
 * @param remoteIp      for the record
 */
public record AllocationRequest(String serviceType, String serviceName, Integer preferredPort, String instanceId,
                                String projectPath, Long ownerPid, boolean stable, boolean dryRun, Protocol protocol,
                                String userAgent, String remoteIp) {

    public static final String DEFAULT_SERVICE_NAME = "unnamed-service";
    public static final String DEFAULT_INSTANCE = "default";

    public AllocationRequest {
        serviceName = serviceName == null || serviceName.isEmpty() ? DEFAULT_SERVICE_NAME : serviceName;
        instanceId = instanceId == null || instanceId.isEmpty() ? DEFAULT_INSTANCE : instanceId;
        projectPath = projectPath == null ? "" : projectPath;
        protocol = protocol == null ? Protocol.TCP : protocol;
    }

    /** A plain request for a type, as tests and simple clients make it. */
    public static AllocationRequest of(String serviceType) {
        return new AllocationRequest(serviceType, null, null, null, null, null, false, false, null, null, null);
    }

    public AllocationRequest withPreferredPort(Integer port) {
        return new AllocationRequest(serviceType, serviceName, port, instanceId, projectPath, ownerPid, stable, dryRun,
                protocol, userAgent, remoteIp);
    }

    public AllocationRequest withOwner(Long pid) {
        return new AllocationRequest(serviceType, serviceName, preferredPort, instanceId, projectPath, pid, stable,
                dryRun, protocol, userAgent, remoteIp);
    }

    public AllocationRequest asDryRun() {
        return new AllocationRequest(serviceType, serviceName, preferredPort, instanceId, projectPath, ownerPid, stable,
                true, protocol, userAgent, remoteIp);
    }
}
