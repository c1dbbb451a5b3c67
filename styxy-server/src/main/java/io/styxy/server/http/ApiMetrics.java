package io.styxy.server.http;

import io.styxy.server.engine.EngineEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The daemon's own counters, histograms and gauges, for {@code GET /metrics} (JSON) and
 * {@code GET /metrics?format=prometheus} (text exposition format 0.0.4). Counters only ever grow (they are never
 * reset while the daemon runs); recording is a few lock-free adds.
 */
public final class ApiMetrics implements Consumer<EngineEvent> {

    /** Upper bounds of the latency buckets, in seconds. */
    private static final double[] BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5, 5};

    private record Key(String name, Map<String, String> labels) {
    }

    private static final class Histogram {
        final LongAdder[] counts = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final LongAdder sumNanos = new LongAdder();
        final AtomicLong min = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong max = new AtomicLong();

        Histogram() {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void record(long nanos) {
            double seconds = nanos / 1e9;
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    counts[i].increment();
                    break;
                }
            }
            count.increment();
            sumNanos.add(nanos);
            min.accumulateAndGet(nanos, Math::min);
            max.accumulateAndGet(nanos, Math::max);
        }
    }

    private final Map<Key, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<Key, Histogram> histograms = new ConcurrentHashMap<>();
    private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, String> help = new ConcurrentHashMap<>();
    private volatile Instant lastStoreFailure;
    private volatile Instant lastStoreSuccess;

    public ApiMetrics() {
        describe("styxy_http_requests_total", "HTTP requests answered, by route, method and status");
        describe("styxy_http_request_duration_seconds", "Time to answer an HTTP request, by route");
        describe("styxy_leases_granted_total", "Leases granted, by service type and origin");
        describe("styxy_leases_released_total", "Leases released, by reason");
        describe("styxy_reassignments_total", "Ports reassigned for the bind() interposer");
        describe("styxy_service_types_created_total", "Service types created or grown by auto-allocation");
        describe("styxy_allocation_errors_total", "Refused allocation requests, by error code");
        describe("styxy_auth_failures_total", "Requests refused by the security checks, by reason");
        describe("styxy_store_failures_total", "Changes the store could not make durable (nothing was changed)");
        describe("styxy_events_dropped_total", "Events dropped for slow event-stream subscribers");
        describe("styxy_unix_requests_total", "Unix-socket requests, by verb and result");
        describe("styxy_listener_events_total", "Foreign listeners that appeared or vanished");
    }

    private void describe(String name, String text) {
        help.put(name, text);
    }

    // ------------------------------------------------------------------ recording

    public void increment(String name, String... labels) {
        counters.computeIfAbsent(key(name, labels), k -> new LongAdder()).increment();
    }

    public void time(String name, long nanos, String... labels) {
        histograms.computeIfAbsent(key(name, labels), k -> new Histogram()).record(nanos);
    }

    /** A gauge read when the metrics are rendered. */
    public void gauge(String name, String description, DoubleSupplier value) {
        gauges.put(name, value);
        describe(name, description);
    }

    void storeFailed() {
        lastStoreFailure = Instant.now();
        increment("styxy_store_failures_total");
    }

    /** When the store last refused a change, or {@code null}. */
    Instant lastStoreFailure() {
        return lastStoreFailure;
    }

    /** When the store last made a change durable, or {@code null}. */
    Instant lastStoreSuccess() {
        return lastStoreSuccess;
    }

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.LeaseGranted g -> {
                // The same clock as storeFailed(): the lease's own time comes from the engine's clock, which
                // need not agree with this one, and the two are compared.
                lastStoreSuccess = Instant.now();
                increment("styxy_leases_granted_total", "service_type", g.lease().serviceType(), "origin",
                        g.lease().origin().name().toLowerCase(Locale.ROOT));
            }
            case EngineEvent.LeaseReleased r -> {
                lastStoreSuccess = Instant.now();
                increment("styxy_leases_released_total", "reason", r.reason().name().toLowerCase(Locale.ROOT));
            }
            case EngineEvent.PortReassigned p -> increment("styxy_reassignments_total", "service_type",
                    p.reassignment().serviceType());
            case EngineEvent.ServiceTypeCreated c -> increment("styxy_service_types_created_total");
            case EngineEvent.ListenerAppeared a -> increment("styxy_listener_events_total", "kind", "appeared");
            case EngineEvent.ListenerVanished v -> increment("styxy_listener_events_total", "kind", "vanished");
        }
    }

    private static Key key(String name, String... labels) {
        if (labels.length == 0) {
            return new Key(name, Map.of());
        }
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1] == null ? "" : labels[i + 1]);
        }
        return new Key(name, map);
    }

    // ------------------------------------------------------------------ reading

    /** The total of a counter over all its label sets. */
    public long total(String name) {
        long sum = 0;
        for (Map.Entry<Key, LongAdder> e : counters.entrySet()) {
            if (e.getKey().name().equals(name)) {
                sum += e.getValue().sum();
            }
        }
        return sum;
    }

    /** {@code {counters, histograms, gauges}}: the original's JSON layout, labels encoded into the key. */
    Map<String, Object> json() {
        Map<String, Object> c = new TreeMap<>();
        counters.forEach((k, v) -> c.put(flatName(k), v.sum()));
        Map<String, Object> h = new TreeMap<>();
        histograms.forEach((k, v) -> {
            long count = v.count.sum();
            double sumMs = v.sumNanos.sum() / 1e6;
            Map<String, Object> buckets = new LinkedHashMap<>();
            long cumulative = 0;
            for (int i = 0; i < BUCKETS.length; i++) {
                cumulative += v.counts[i].sum();
                buckets.put(formatMs(BUCKETS[i] * 1000), cumulative);
            }
            buckets.put("+Inf", count);
            h.put(flatName(k), Json.obj("count", count, "sum", sumMs,
                    "min", count == 0 ? 0 : v.min.get() / 1e6, "max", v.max.get() / 1e6,
                    "avg", count == 0 ? 0 : sumMs / count, "unit", "ms", "buckets", buckets));
        });
        Map<String, Object> g = new TreeMap<>();
        gauges.forEach((name, supplier) -> g.put(name, read(supplier)));
        return Json.obj("counters", c, "histograms", h, "gauges", g);
    }

    /** Prometheus text exposition format 0.0.4. */
    String prometheus() {
        StringBuilder out = new StringBuilder(4096);
        Map<String, List<Map.Entry<Key, LongAdder>>> counterFamilies = new TreeMap<>();
        counters.entrySet().forEach(e -> counterFamilies.computeIfAbsent(e.getKey().name(), n -> new ArrayList<>())
                .add(e));
        counterFamilies.forEach((name, samples) -> {
            header(out, name, "counter");
            samples.sort((a, b) -> a.getKey().labels().toString().compareTo(b.getKey().labels().toString()));
            for (Map.Entry<Key, LongAdder> s : samples) {
                out.append(name).append(labels(s.getKey().labels(), null)).append(' ').append(s.getValue().sum())
                        .append('\n');
            }
        });
        Map<String, List<Map.Entry<Key, Histogram>>> histogramFamilies = new TreeMap<>();
        histograms.entrySet().forEach(e -> histogramFamilies.computeIfAbsent(e.getKey().name(),
                n -> new ArrayList<>()).add(e));
        histogramFamilies.forEach((name, samples) -> {
            header(out, name, "histogram");
            samples.sort((a, b) -> a.getKey().labels().toString().compareTo(b.getKey().labels().toString()));
            for (Map.Entry<Key, Histogram> s : samples) {
                Histogram h = s.getValue();
                long count = h.count.sum();
                long cumulative = 0;
                for (int i = 0; i < BUCKETS.length; i++) {
                    cumulative += h.counts[i].sum();
                    out.append(name).append("_bucket").append(labels(s.getKey().labels(), formatLe(BUCKETS[i])))
                            .append(' ').append(Math.min(cumulative, count)).append('\n');
                }
                out.append(name).append("_bucket").append(labels(s.getKey().labels(), "+Inf")).append(' ')
                        .append(count).append('\n');
                out.append(name).append("_sum").append(labels(s.getKey().labels(), null)).append(' ')
                        .append(format(h.sumNanos.sum() / 1e9)).append('\n');
                out.append(name).append("_count").append(labels(s.getKey().labels(), null)).append(' ')
                        .append(count).append('\n');
            }
        });
        new TreeMap<>(gauges).forEach((name, supplier) -> {
            header(out, name, "gauge");
            out.append(name).append(' ').append(format(read(supplier))).append('\n');
        });
        return out.toString();
    }

    private void header(StringBuilder out, String name, String type) {
        String text = help.getOrDefault(name, name);
        out.append("# HELP ").append(name).append(' ').append(text.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String labels(Map<String, String> labels, String le) {
        if (labels.isEmpty() && le == null) {
            return "";
        }
        StringBuilder b = new StringBuilder("{");
        labels.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(k).append("=\"").append(escape(v)).append('"');
        });
        if (le != null) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append("le=\"").append(le).append('"');
        }
        return b.append('}').toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String flatName(Key k) {
        if (k.labels().isEmpty()) {
            return k.name();
        }
        StringBuilder b = new StringBuilder(k.name()).append('{');
        k.labels().forEach((name, value) -> {
            if (b.charAt(b.length() - 1) != '{') {
                b.append(',');
            }
            b.append(name).append('=').append(value);
        });
        return b.append('}').toString();
    }

    private static double read(DoubleSupplier supplier) {
        try {
            return supplier.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String formatLe(double seconds) {
        return format(seconds);
    }

    private static String formatMs(double ms) {
        return format(ms);
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
