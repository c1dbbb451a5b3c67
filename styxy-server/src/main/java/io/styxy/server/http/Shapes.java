package io.styxy.server.http;

import io.styxy.api.Listener;
import io.styxy.api.ServiceType;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.Reassignment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How the daemon's records look on the wire: the clean {@code /v1} shapes and the original's legacy shapes. */
final class Shapes {

    private Shapes() {
    }

    // ------------------------------------------------------------------ /v1

    static Map<String, Object> lease(Lease l) {
        return Json.obj(
                "lock_id", l.lockId(),
                "port", l.port(),
                "protocol", l.protocol().wireName(),
                "service_type", l.serviceType(),
                "service_name", l.serviceName(),
                "project_path", l.projectPath(),
                "instance_id", l.instanceId(),
                "owner", l.owner() == null ? null : Json.obj("pid", l.owner().pid(),
                        "start_time", l.owner().startTime()),
                "origin", l.origin().name().toLowerCase(Locale.ROOT),
                "created_at", l.createdAt().toString(),
                "renewed_at", l.renewedAt().toString());
    }

    static List<Object> leases(List<Lease> leases) {
        List<Object> out = new ArrayList<>(leases.size());
        for (Lease l : leases) {
            out.add(lease(l));
        }
        return out;
    }

    static Map<String, Object> listener(Listener l, String serviceType) {
        return Json.obj(
                "protocol", l.protocol().wireName(),
                "family", "ipv" + l.family().version(),
                "address", l.address(),
                "port", l.port(),
                "pid", l.hasKnownOwner() ? l.pid() : null,
                "process", l.processName(),
                "command", l.commandLine(),
                "cwd", l.cwd(),
                "user", l.user(),
                "service_type", serviceType);
    }

    static Map<String, Object> serviceType(CatalogEntry e) {
        ServiceType t = e.type();
        return Json.obj(
                "name", t.name(),
                "description", t.description(),
                "port_range", Json.obj("start", t.range().start(), "end", t.range().end()),
                "preferred_ports", t.preferredPorts(),
                "instance_behavior", t.instanceBehavior().configName(),
                "examples", t.examples(),
                "source", e.source());
    }

    static Map<String, Object> instance(Instance i, List<Lease> leases) {
        return Json.obj(
                "instance_id", i.instanceId(),
                "working_directory", i.workingDirectory(),
                "metadata", i.metadata(),
                "registered_at", i.registeredAt().toString(),
                "last_heartbeat", i.lastHeartbeat().toString(),
                "leases", leases(leases));
    }

    static Map<String, Object> reassignment(Reassignment r) {
        return Json.obj(
                "id", r.id(),
                "pid", r.pid(),
                "command", r.command(),
                "asked_port", r.askedPort(),
                "given_port", r.givenPort(),
                "service_type", r.serviceType(),
                "lock_id", r.lockId(),
                "at", r.at().toString());
    }

    // ------------------------------------------------------------------ legacy

    /**
     * The original's allocation record: snake_case and camelCase copies of the same data, plus {@code lock_id}
     * (missing in the original, which made its CLI print "Lock ID: undefined"). {@code process_id} is the owner's
     * pid — the original put its own pid there.
     */
    static Map<String, Object> legacyRecord(Lease l) {
        return Json.obj(
                "port", l.port(),
                "lockId", l.lockId(), "lock_id", l.lockId(),
                "service_type", l.serviceType(), "serviceType", l.serviceType(),
                "service_name", l.serviceName(), "serviceName", l.serviceName(),
                "instance_id", l.instanceId(), "instanceId", l.instanceId(),
                "project_path", l.projectPath(), "projectPath", l.projectPath(),
                "process_id", l.owner() == null ? null : l.owner().pid(),
                "allocated_at", l.createdAt().toString(),
                "userAgent", l.userAgent(), "remoteIP", l.remoteIp(),
                "protocol", l.protocol().wireName(),
                "origin", l.origin().name().toLowerCase(Locale.ROOT));
    }

    static List<Object> legacyRecords(List<Lease> leases) {
        List<Object> out = new ArrayList<>(leases.size());
        for (Lease l : leases) {
            out.add(legacyRecord(l));
        }
        return out;
    }

    /** The original's {@code system_usage}: the first listener in its ss-like shape, then all of them. */
    static Map<String, Object> systemUsage(List<Listener> listeners) {
        if (listeners.isEmpty()) {
            return null;
        }
        Listener first = listeners.getFirst();
        List<Object> all = new ArrayList<>();
        for (Listener l : listeners) {
            all.add(listener(l, null));
        }
        Long pid = first.hasKnownOwner() ? first.pid() : null;
        return Json.obj(
                "port", first.port(),
                "protocol", first.protocol().wireName(),
                "state", "LISTEN",
                "local_address", address(first),
                "process", Json.obj("name", first.processName(), "pid", pid, "user", first.user()),
                "pid", pid,
                "command", first.commandLine(),
                "tool", "observer",
                "listeners", all);
    }

    static String address(Listener l) {
        return (l.address().indexOf(':') >= 0 ? "[" + l.address() + "]" : l.address()) + ":" + l.port();
    }
}
