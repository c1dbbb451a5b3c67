package io.styxy.server.http;

import io.styxy.server.audit.AuditLog;
import io.styxy.server.engine.EngineEvent;
import io.styxy.server.engine.Lease;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes the ledger's changes to the audit log, whichever adapter caused them (HTTP, the Unix socket, the sweeper):
 * {@code PORT_ALLOCATED}, {@code PORT_RELEASED} (with the reason), {@code PORT_REASSIGNED}. Auto-allocated service
 * types are audited where they are written to config.json.
 */
final class AuditTrail implements Consumer<EngineEvent> {

    private final AuditLog audit;

    AuditTrail(AuditLog audit) {
        this.audit = audit;
    }

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.LeaseGranted g -> audit.record("PORT_ALLOCATED", lease(g.lease()));
            case EngineEvent.LeaseReleased r -> {
                Map<String, Object> fields = lease(r.lease());
                fields.put("reason", r.reason().name().toLowerCase(Locale.ROOT));
                fields.put("held_ms", java.time.Duration.between(r.lease().createdAt(), java.time.Instant.now())
                        .toMillis());
                audit.record("PORT_RELEASED", fields);
            }
            case EngineEvent.PortReassigned p -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("pid", p.reassignment().pid());
                fields.put("command", Requests.truncate(p.reassignment().command(), 200));
                fields.put("asked_port", p.reassignment().askedPort());
                fields.put("given_port", p.reassignment().givenPort());
                fields.put("service_type", p.reassignment().serviceType());
                fields.put("lock_id", p.reassignment().lockId());
                audit.record("PORT_REASSIGNED", fields);
            }
            default -> {
            }
        }
    }

    private static Map<String, Object> lease(Lease l) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("port", l.port());
        fields.put("lock_id", l.lockId());
        fields.put("service_type", l.serviceType());
        fields.put("service_name", l.serviceName());
        fields.put("instance_id", l.instanceId());
        fields.put("project_path", l.projectPath());
        fields.put("pid", l.owner() == null ? null : l.owner().pid());
        fields.put("origin", l.origin().name().toLowerCase(Locale.ROOT));
        if (!l.userAgent().isEmpty()) {
            fields.put("user_agent", l.userAgent());
        }
        if (!l.remoteIp().isEmpty()) {
            fields.put("remote_ip", l.remoteIp());
        }
        return fields;
    }
}
