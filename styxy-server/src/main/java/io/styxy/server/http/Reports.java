package io.styxy.server.http;

import io.styxy.server.config.UserConfig;
import io.styxy.server.engine.AutoRangePolicy;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.Lease;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The documents several routes share: health, doctor, observation statistics, the merged configuration. */
final class Reports {

    /** A store failure this recent, with no success since, makes the daemon "degraded". */
    private static final Duration STORE_FAILURE_WINDOW = Duration.ofMinutes(5);

    private final ApiContext ctx;
    private final ApiMetrics metrics;
    private final EventStream events;

    Reports(ApiContext ctx, ApiMetrics metrics, EventStream events) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.events = events;
    }

    Engine engine() {
        return ctx.engine();
    }

    double uptimeSeconds() {
        return Duration.between(ctx.startedAt(), Instant.now()).toMillis() / 1000.0;
    }

    boolean storeFailing() {
        Instant failure = metrics.lastStoreFailure();
        if (failure == null || failure.isBefore(Instant.now().minus(STORE_FAILURE_WINDOW))) {
            return false;
        }
        Instant success = metrics.lastStoreSuccess();
        return success == null || success.isBefore(failure);
    }

    /** Why the daemon takes no change (its home is read-only), or {@code null}. */
    String readOnly() {
        return ctx.engine().readOnly();
    }

    boolean observerHealthy(Map<String, Object> report) {
        return !Boolean.FALSE.equals(report.get("healthy"));
    }

    /**
     * The original's health document, made real. {@code status}: healthy, warning or degraded (503); degraded also
     * when the home is read-only ({@code read_only} true, the reason in {@code warnings}): reads work, changes do not.
     */
    Map<String, Object> health() {
        long t0 = System.nanoTime();
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        List<String> warnings = new ArrayList<>();
        String readOnly = readOnly();
        if (readOnly != null) {
            warnings.add(readOnly + "; reads are served, every change is refused");
        }
        boolean storeFailing = storeFailing() || readOnly != null;
        Map<String, Object> observer = ctx.observation().report();
        boolean observerOk = observerHealthy(observer);
        if (!observerOk) {
            warnings.add("the port observer " + ctx.observation().observer() + " failed its last scan: "
                    + observer.get("last_error"));
        }
        if (ctx.observation().observer().equals("none")) {
            warnings.add("no port observer is usable; only the bind probe sees foreign listeners");
        }
        if (heapUsed > rt.maxMemory() * 0.9) {
            warnings.add("heap use is over 90% of the maximum");
        }
        if (storeFailing && readOnly == null) {
            warnings.add("the store refused a change at " + metrics.lastStoreFailure()
                    + "; new leases cannot be made durable");
        }
        String status = storeFailing ? "degraded" : warnings.isEmpty() ? "healthy" : "warning";
        String storeStatus = readOnly != null ? "read_only" : storeFailing ? "failing" : "ok";
        Map<String, Object> services = Json.obj(
                "daemon", Json.obj("status", "running", "allocations", ctx.engine().leaseCount(),
                        "instances", ctx.engine().instances().size(),
                        "last_cleanup", null,
                        "quarantined_ports", ctx.engine().quarantinedPorts().size(),
                        "event_subscribers", events.subscribers()),
                "store", Json.obj("status", storeStatus, "last_failure_at", str(metrics.lastStoreFailure()),
                        "read_only", readOnly != null, "read_only_reason", readOnly),
                "observer", Json.obj("status", observerOk ? "ok" : "failing", "report", observer),
                "state_manager", Json.obj("status", storeStatus, "recovery_status", "not needed: every change is"
                        + " committed before it is acknowledged"),
                "port_scanner", Json.obj("status", observerOk ? "ok" : "failing", "circuit_breaker",
                        observerOk ? "CLOSED" : "OPEN"));
        Map<String, Object> out = Json.obj(
                "status", status,
                "read_only", readOnly != null,
                "timestamp", Instant.now().toString(),
                "uptime", uptimeSeconds(),
                "version", ctx.version(),
                "system", Json.obj(
                        "memory", Json.obj("heap_used", heapUsed, "heap_total", rt.totalMemory(),
                                "heap_max", rt.maxMemory(), "rss", rss()),
                        "cpu", Json.obj("available_processors", rt.availableProcessors(),
                                "load_average", loadAverage()),
                        "pid", ProcessHandle.current().pid(),
                        "platform", System.getProperty("os.name").toLowerCase(Locale.ROOT),
                        "java_version", Runtime.version().toString()),
                "services", services,
                "config", Json.obj("service_types_loaded", ctx.engine().catalog().entries().size(),
                        "log_level", "info", "auth_enabled", true),
                "warnings", warnings);
        out.put("response_time_ms", (System.nanoTime() - t0) / 1e6);
        return out;
    }

    /** The 1-minute load average, or -1 when unknown. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size of this process in bytes, or -1 when unknown. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** {@code total_ports, by_service_type, by_instance, active_instances}. */
    Map<String, Object> observationStats(List<ObservationSource.ObservedListener> listeners) {
        Map<Integer, String> typeByPort = new TreeMap<>();
        for (ObservationSource.ObservedListener l : listeners) {
            typeByPort.merge(l.listener().port(), l.serviceType() == null ? "unknown" : l.serviceType(),
                    (a, b) -> a);
        }
        Map<String, Integer> byType = new TreeMap<>();
        typeByPort.values().forEach(t -> byType.merge(t, 1, Integer::sum));
        Map<String, Integer> byInstance = new TreeMap<>();
        for (int port : typeByPort.keySet()) {
            String instance = ctx.engine().leaseOnPort(port).map(Lease::instanceId).orElse("unknown");
            byInstance.merge(instance, 1, Integer::sum);
        }
        return Json.obj("total_ports", typeByPort.size(), "by_service_type", byType, "by_instance", byInstance,
                "active_instances", ctx.engine().instances().size());
    }

    /** {@code GET /v1/config}: what the daemon runs with, after merging. */
    Map<String, Object> config() {
        UserConfig uc = ctx.config().userConfig();
        List<Object> types = new ArrayList<>();
        for (CatalogEntry e : ctx.engine().catalog().entries()) {
            types.add(Shapes.serviceType(e));
        }
        AutoRangePolicy p = ctx.engine().settings().autoRanges();
        Map<String, Object> rules = new LinkedHashMap<>();
        p.rules().forEach(r -> rules.put(r.pattern(), Json.obj("chunk_size", r.chunkSize())));
        return Json.obj(
                "file", uc.file() == null ? null : uc.file().toString(),
                "file_exists", uc.file() != null && Files.exists(uc.file()),
                "service_types", types,
                "auto_allocation", Json.obj("enabled", p.enabled(), "default_chunk_size", p.defaultChunkSize(),
                        "placement", p.placement().name().toLowerCase(Locale.ROOT), "min_port", p.minPort(),
                        "max_port", p.maxPort(), "gap_size", p.gapSize()),
                "auto_allocation_rules", rules,
                "durability", ctx.config().durability(),
                "observer", Json.obj("configured", uc.observer(), "active", ctx.observation().observer()),
                "instances", Json.obj("heartbeat_interval_seconds",
                        ctx.engine().settings().heartbeatInterval().toSeconds(),
                        "missed_heartbeats", ctx.engine().settings().missedHeartbeats()),
                "ephemeral_range", ctx.config().ephemeral() == null ? null
                        : Json.obj("start", ctx.config().ephemeral().start(), "end", ctx.config().ephemeral().end()));
    }

    /** {@code GET /v1/doctor}: checks with ok / warn / fail, and the observers found. */
    Map<String, Object> doctor() {
        List<Object> checks = new ArrayList<>();
        checks.add(check("daemon", "ok", "version " + ctx.version() + ", pid " + ProcessHandle.current().pid()
                + ", up " + Math.round(uptimeSeconds()) + " s"));
        String readOnly = readOnly();
        checks.add(readOnly != null ? check("store", "fail", readOnly + "; reads are served, every change is refused")
                : storeFailing() ? check("store", "fail", "the store refused a change at "
                + metrics.lastStoreFailure() + "; new leases cannot be made durable")
                : check("store", "ok", "changes are committed before they are acknowledged ("
                + ctx.config().durability() + " durability)"));
        Map<String, Object> report = ctx.observation().report();
        if (ctx.observation().observer().equals("none")) {
            checks.add(check("observer", "warn", "no port observer is usable; foreign listeners are seen only by"
                    + " the bind probe"));
        } else if (!observerHealthy(report)) {
            checks.add(check("observer", "fail", ctx.observation().observer() + " failed its last scan: "
                    + report.get("last_error")));
        } else {
            checks.add(check("observer", "ok", ctx.observation().observer() + " in use"));
        }
        if (ctx.home() != null) {
            checks.add(modeCheck("state_dir", ctx.home(), Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
            checks.add(modeCheck("auth_token", ctx.home().resolve("auth.token"),
                    Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        }
        if (ctx.socket() == null && readOnly != null) {
            checks.add(check("unix_socket", "warn", "not served: the socket would be in the read-only home, so the"
                    + " interposer cannot reach the daemon (STYXY_SOCKET can put it in a writable place)"));
        }
        if (ctx.socket() != null) {
            checks.add(Files.exists(ctx.socket())
                    ? modeCheck("unix_socket", ctx.socket(), Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE))
                    : check("unix_socket", "fail", ctx.socket() + " does not exist; the interposer cannot reach the"
                    + " daemon"));
        }
        List<CatalogEntry> catalog = List.copyOf(ctx.engine().catalog().entries());
        List<String> warnings = UserConfig.warnings(catalog, ctx.config().ephemeral());
        checks.add(warnings.isEmpty() ? check("config", "ok", catalog.size() + " service types, no overlaps")
                : check("config", "warn", String.join("; ", warnings)));
        String preload = System.getenv("LD_PRELOAD");
        checks.add(preload != null && !preload.isBlank()
                ? check("daemon_preload", "warn", "the daemon runs with LD_PRELOAD=" + preload
                + "; its own bind probes may be interposed")
                : check("daemon_preload", "ok", "the daemon runs without LD_PRELOAD"));
        Runtime rt = Runtime.getRuntime();
        long rss = rss();
        checks.add(check("memory", rss > 200L * 1024 * 1024 ? "warn" : "ok", "rss "
                + (rss < 0 ? "unknown" : (rss / (1024 * 1024)) + " MB") + ", heap "
                + ((rt.totalMemory() - rt.freeMemory()) / (1024 * 1024)) + " of " + (rt.maxMemory() / (1024 * 1024))
                + " MB"));
        List<Object> observers = new ArrayList<>();
        for (ObservationSource.ObserverInfo o : ctx.observation().observers()) {
            observers.add(Json.obj("name", o.name(), "priority", o.priority(), "usable", o.usable(),
                    "reason", o.reason(), "active", o.active()));
        }
        if (ctx.plugins().get().get("checks") instanceof List<?> pluginChecks) {
            checks.addAll(pluginChecks); // already {name, status, detail}
        }
        return Json.obj("checks", checks, "observers", observers);
    }

    private static Map<String, Object> modeCheck(String name, Path path, Set<PosixFilePermission> wanted) {
        try {
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path);
            String mode = java.nio.file.attribute.PosixFilePermissions.toString(actual);
            boolean tooOpen = actual.stream().anyMatch(p -> !wanted.contains(p));
            return check(name, tooOpen ? "fail" : "ok", path + " is " + mode
                    + (tooOpen ? "; only its owner may use it (chmod go-rwx)" : ""));
        } catch (IOException | UnsupportedOperationException e) {
            return check(name, "warn", path + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> check(String name, String status, String detail) {
        return Json.obj("name", name, "status", status, "detail", detail);
    }

    static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
