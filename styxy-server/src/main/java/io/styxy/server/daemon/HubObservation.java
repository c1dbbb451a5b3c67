package io.styxy.server.daemon;

import io.styxy.server.http.ObservationSource;
import io.styxy.server.observe.ObserverHub;
import io.styxy.server.observe.ObserverReport;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The observer hub, seen through the HTTP adapter's {@link ObservationSource}. */
final class HubObservation implements ObservationSource {

    private final ObserverHub hub;

    HubObservation(ObserverHub hub) {
        this.hub = hub;
    }

    @Override
    public String observer() {
        String active = hub.activeObserver();
        return active == null ? "none" : active;
    }

    @Override
    public List<ObservationSource.ObservedListener> listeners() {
        return hub.snapshot().stream().map(HubObservation::toSource).toList();
    }

    private static ObservationSource.ObservedListener toSource(io.styxy.server.observe.ObservedListener o) {
        return new ObservationSource.ObservedListener(o.listener(),
                io.styxy.server.observe.ObservedListener.UNKNOWN.equals(o.serviceType()) ? null : o.serviceType());
    }

    @Override
    public Map<String, Object> report() {
        ObserverReport r = hub.report();
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("healthy", r.activeObserver() != null && (r.lastErrorAt() == null || r.lastScanAt() == null
                || r.lastScanAt().isAfter(r.lastErrorAt())));
        map.put("scans", r.scanCount());
        map.put("checks", r.checkCount());
        map.put("failures", r.errorCount());
        map.put("timeouts", 0);
        map.put("last_scan_at", r.lastScanAt() == null ? null : r.lastScanAt().toString());
        map.put("last_scan_ms", r.lastScanDuration() == null ? null : r.lastScanDuration().toNanos() / 1e6);
        map.put("snapshot_at", r.snapshotAt() == null ? null : r.snapshotAt().toString());
        map.put("last_failure_at", r.lastErrorAt() == null ? null : r.lastErrorAt().toString());
        map.put("last_error", r.lastError());
        map.put("notes", r.notes());
        return map;
    }

    @Override
    public List<ObserverInfo> observers() {
        return hub.report().providers().stream()
                .map(p -> new ObserverInfo(p.name(), p.priority(), p.usable(), p.reason(), p.active())).toList();
    }
}
