package io.styxy.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The original's routes (/allocate, /check, /allocations, /config), used when a daemon does not serve the /v1 route a
 * command needs (an older daemon). Their answers are turned into the /v1 shapes, so the commands print the same.
 */
final class Legacy {

    private Legacy() {
    }

    /** A 404 that says the route does not exist (rather than that the lease or port does not). */
    static boolean noRoute(CliException e) {
        return "NO_ROUTE".equals(e.code());
    }

    /** POST /v1/leases, or POST /allocate. */
    static Map<String, Object> allocate(DaemonClient client, Map<String, Object> body) {
        try {
            return client.post("/v1/leases", body);
        } catch (CliException e) {
            if (!noRoute(e)) {
                throw e;
            }
        }
        Map<String, Object> r = client.post("/allocate", body);
        if (Json.bool(r.get("dry_run"))) {
            return Json.of("dry_run", true, "port", r.get("port"), "service_type", r.get("service_type"),
                    "service_name", r.get("service_name"));
        }
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("lock_id", r.get("lock_id") != null ? r.get("lock_id") : r.get("lockId"));
        lease.put("port", r.get("port"));
        lease.put("service_type", body.get("service_type"));
        lease.put("service_name", body.get("service_name"));
        lease.put("project_path", body.get("project_path"));
        lease.put("instance_id", Json.bool(r.get("existing")) ? r.get("existingInstanceId") : body.get("instance_id"));
        Object pid = Json.bool(r.get("existing")) ? r.get("existingPid") : body.get("pid");
        lease.put("owner", pid == null ? null : Json.of("pid", pid));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("lease", lease);
        if (Json.bool(r.get("existing"))) {
            out.put("existing", true);
        }
        if (Json.bool(r.get("auto_allocated"))) {
            List<Object> range = Json.list(r.get("allocated_range"));
            out.put("auto_range", Json.of("port_range", range.size() == 2
                    ? Json.of("start", range.get(0), "end", range.get(1)) : null, "chunk_size", r.get("chunk_size"),
                    "placement", r.get("placement")));
        }
        return out;
    }

    /** DELETE /v1/leases/{id}, or DELETE /allocate/{id}. */
    static Map<String, Object> releaseLock(DaemonClient client, String lockId) {
        try {
            return client.delete("/v1/leases/" + PortCommands.enc(lockId));
        } catch (CliException e) {
            if (!noRoute(e)) {
                throw e;
            }
        }
        Map<String, Object> r = client.delete("/allocate/" + PortCommands.enc(lockId));
        return Json.of("released", List.of(Json.of("lock_id", lockId, "port", r.get("port"))));
    }

    /** GET /v1/ports/{port}, or GET /check/{port}. */
    static Map<String, Object> check(DaemonClient client, int port) {
        try {
            return client.get("/v1/ports/" + port);
        } catch (CliException e) {
            if (!noRoute(e)) {
                throw e;
            }
        }
        Map<String, Object> r = client.get("/check/" + port);
        List<Object> listeners = new ArrayList<>();
        for (Object o : Json.list(Json.obj(r.get("system_usage")).get("listeners"))) {
            Map<String, Object> l = Json.obj(o);
            String local = Json.str(l.get("local_address"));
            String address = local == null ? null : local.substring(0, Math.max(0, local.lastIndexOf(':')));
            listeners.add(Json.of("protocol", l.get("protocol"), "family", l.get("family"), "address", address,
                    "port", port, "pid", l.get("pid"), "process", l.get("process"), "command", l.get("command")));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("port", port);
        out.put("available", r.get("available"));
        out.put("lease", r.get("allocated_to") == null ? null : lease(Json.obj(r.get("allocated_to"))));
        out.put("listeners", listeners);
        return out;
    }

    /** GET /v1/leases?…, or GET /allocations filtered here. */
    static Map<String, Object> list(DaemonClient client, String query, String type, String instance, Long pid) {
        try {
            return client.get(query);
        } catch (CliException e) {
            if (!noRoute(e)) {
                throw e;
            }
        }
        List<Object> leases = new ArrayList<>();
        for (Object o : Json.list(client.get("/allocations").get("allocations"))) {
            Map<String, Object> l = lease(Json.obj(o));
            if ((type == null || type.equals(l.get("service_type")))
                    && (instance == null || instance.equals(l.get("instance_id")))
                    && (pid == null || pid.equals(Json.obj(l.get("owner")).get("pid")))) {
                leases.add(l);
            }
        }
        return Json.of("leases", leases);
    }

    /** GET /v1/config, or GET /config. */
    static Map<String, Object> config(DaemonClient client) {
        try {
            return client.get("/v1/config");
        } catch (CliException e) {
            if (!noRoute(e)) {
                throw e;
            }
        }
        return client.get("/config");
    }

    /** An allocation record of the original turned into a /v1 lease. */
    static Map<String, Object> lease(Map<String, Object> r) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("lock_id", r.get("lock_id") != null ? r.get("lock_id") : r.get("lockId"));
        l.put("port", r.get("port"));
        l.put("service_type", r.get("service_type") != null ? r.get("service_type") : r.get("serviceType"));
        l.put("service_name", r.get("service_name") != null ? r.get("service_name") : r.get("serviceName"));
        l.put("project_path", r.get("project_path") != null ? r.get("project_path") : r.get("projectPath"));
        l.put("instance_id", r.get("instance_id") != null ? r.get("instance_id") : r.get("instanceId"));
        l.put("owner", r.get("process_id") == null ? null : Json.of("pid", r.get("process_id")));
        l.put("created_at", r.get("allocated_at"));
        return l;
    }
}
