package io.styxy.server.http;

import io.styxy.api.Listener;
import io.styxy.server.engine.ServiceTypeCatalog;
import io.styxy.server.engine.ServiceTypeInference;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * An {@link ObservationSource} over any "give me every listener" call: it infers each listener's service type (from
 * its command line, else from the range its port is in), keeps the snapshot for a short time so a burst of requests
 * costs one scan, and counts scans, failures and slow scans for the health report.
 */
public final class CachedObservation implements ObservationSource {

    private static final Duration SLOW = Duration.ofSeconds(2);

    private final String name;
    private final Callable<List<Listener>> scan;
    private final Supplier<List<ObserverInfo>> providers;
    private final Supplier<ServiceTypeCatalog> catalog;
    private final Duration maxAge;

    private List<ObservedListener> cached;
    private long cachedAtNanos;
    private long scans;
    private long failures;
    private long timeouts;
    private Instant lastScanAt;
    private Instant lastFailureAt;
    private String lastError;
    private boolean lastScanFailed;

    public CachedObservation(String name, Callable<List<Listener>> scan, Supplier<List<ObserverInfo>> providers,
                             Supplier<ServiceTypeCatalog> catalog, Duration maxAge) {
        this.name = name;
        this.scan = scan;
        this.providers = providers;
        this.catalog = catalog;
        this.maxAge = maxAge;
    }

    @Override
    public String observer() {
        return name;
    }

    @Override
    public synchronized List<ObservedListener> listeners() {
        long now = System.nanoTime();
        if (cached != null && now - cachedAtNanos < maxAge.toNanos()) {
            return cached;
        }
        scans++;
        lastScanAt = Instant.now();
        List<Listener> raw;
        try {
            raw = scan.call();
            lastScanFailed = false;
        } catch (Exception e) {
            failures++;
            lastFailureAt = Instant.now();
            lastError = Requests.truncate(String.valueOf(e.getMessage()), 200);
            lastScanFailed = true;
            raw = List.of();
        }
        if (System.nanoTime() - now > SLOW.toNanos()) {
            timeouts++;
        }
        ServiceTypeCatalog types = catalog.get();
        List<ObservedListener> out = new ArrayList<>(raw.size());
        for (Listener l : raw) {
            String type = ServiceTypeInference.infer(l.commandLine())
                    .or(() -> types.typeOfPort(l.port()).map(t -> t.name())).orElse(null);
            out.add(new ObservedListener(l, type));
        }
        cached = List.copyOf(out);
        cachedAtNanos = System.nanoTime();
        return cached;
    }

    @Override
    public synchronized Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("observer", name);
        r.put("healthy", !lastScanFailed);
        r.put("scans", scans);
        r.put("failures", failures);
        r.put("timeouts", timeouts);
        r.put("last_scan_at", lastScanAt == null ? null : lastScanAt.toString());
        r.put("last_failure_at", lastFailureAt == null ? null : lastFailureAt.toString());
        r.put("last_error", lastError);
        r.put("cache_ms", maxAge.toMillis());
        return r;
    }

    @Override
    public List<ObserverInfo> observers() {
        return providers.get();
    }
}
