package io.styxy.bench.load;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load on the daemon's Unix socket, closed loop: each connection sends its next request when the answer to the
 * previous one came back (as wrk does over HTTP).
 *
 * <pre>
 * java -cp … io.styxy.bench.load.SocketLoad --socket PATH --mode cycle|check|reassign [--connections 8]
 *      [--warmup 10] [--duration 20] [--port 3000] [--type dev]
 * </pre>
 * {@code cycle}: {@code ALLOCATE type=dev} then {@code RELEASE lock=…} of what this connection got (each request
 * counts). {@code reassign}: the interposer's {@code REASSIGN pid=<this process> port=8000 proto=tcp}, then the
 * release of the lease it made. {@code check}: {@code CHECK port=3000}. Prints one line: {@code requests=… total=… rps=… p50_us=…
 * p99_us=… errors=…}; requests, rate and latencies count after the warm-up only, total counts the warm-up too.
 */
public final class SocketLoad {

    public static void main(String[] args) throws Exception {
        Path socket = null;
        String mode = "cycle";
        String type = "dev";
        int connections = 8;
        double warmup = 10;
        double duration = 20;
        int port = 3000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--socket" -> socket = Path.of(args[++i]);
                case "--mode" -> mode = args[++i];
                case "--type" -> type = args[++i];
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--duration" -> duration = Double.parseDouble(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (socket == null) {
            throw new IllegalArgumentException("--socket is required");
        }
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long end = measureFrom + (long) (duration * 1e9);
        AtomicLong errors = new AtomicLong();
        AtomicLong total = new AtomicLong(); // warm-up included: bench/run divides the daemon's CPU time by it
        List<Latencies> all = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        final String m = mode;
        final Path s = socket;
        final String allocate = "ALLOCATE type=" + type + " name=bench";
        final String check = "CHECK port=" + port;
        // The interposer's request, for this process (alive, so the daemon accepts it), asking for a port of `api`.
        final String reassign = "REASSIGN pid=" + ProcessHandle.current().pid() + " port=8000 proto=tcp";
        for (int c = 0; c < connections; c++) {
            Latencies lat = new Latencies();
            all.add(lat);
            Thread t = Thread.ofPlatform().name("load-" + c).start(() -> {
                try (LineClient client = new LineClient(s)) {
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            return;
                        }
                        if (m.equals("check")) {
                            String a = client.call(check);
                            long t1 = System.nanoTime();
                            total.incrementAndGet();
                            if (!a.startsWith("OK")) {
                                errors.incrementAndGet();
                            }
                            if (t0 >= measureFrom) {
                                lat.add(t1 - t0);
                            }
                        } else {
                            String a = client.call(m.equals("reassign") ? reassign : allocate);
                            long t1 = System.nanoTime();
                            total.incrementAndGet();
                            if (t0 >= measureFrom) {
                                lat.add(t1 - t0);
                            }
                            String lock = LineClient.field(a, "lock");
                            if (!a.startsWith("OK") || lock == null) {
                                errors.incrementAndGet();
                                continue;
                            }
                            long t2 = System.nanoTime();
                            String r = client.call("RELEASE lock=" + lock);
                            long t3 = System.nanoTime();
                            total.incrementAndGet();
                            if (!r.startsWith("OK")) {
                                errors.incrementAndGet();
                            }
                            if (t2 >= measureFrom) {
                                lat.add(t3 - t2);
                            }
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    System.err.println("load: " + e);
                }
            });
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] sorted = Latencies.merged(all);
        double seconds = duration;
        System.out.printf(java.util.Locale.ROOT, "requests=%d total=%d rps=%.0f p50_us=%.0f p99_us=%.0f errors=%d%n",
                sorted.length, total.get(), sorted.length / seconds, Latencies.percentile(sorted, 50) / 1e3,
                Latencies.percentile(sorted, 99) / 1e3, errors.get());
    }
}
