package io.styxy.bench.load;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reliability checks behind {@code bench/reliability}. Each starts its own daemon (see {@link BenchDaemon})
 * in a fresh directory under {@code --dir} and prints one line {@code RESULT <check> key=value …}.
 *
 * <pre>
 * Reliability kill9        --dir D [--cycles 20]
 * Reliability duplicates   --dir D [--total 640000] [--clients 64]
 * Reliability malformed    --dir D [--count 600]
 * Reliability owner-death  --dir D [--samples 50]
 * Reliability storage      --dir D            (needs root: mounts a small tmpfs)
 * </pre>
 */
public final class Reliability {

    private static final String[] TYPES = {"dev", "api", "docs", "build", "test", "proxy", "monitoring", "ui"};

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("which check? kill9 | duplicates | malformed | owner-death | storage");
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        int n = -1;
        int clients = 64;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--cycles", "--total", "--count", "--samples" -> n = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(dir);
        switch (args[0]) {
            case "kill9" -> kill9(dir, n < 0 ? 20 : n);
            case "duplicates" -> duplicates(dir, n < 0 ? 640_000 : n, clients);
            case "malformed" -> malformed(dir, n < 0 ? 600 : n);
            case "owner-death" -> ownerDeath(dir, n < 0 ? 50 : n);
            case "storage" -> storage(dir);
            default -> throw new IllegalArgumentException("unknown check " + args[0]);
        }
        System.exit(0);
    }

    private static void result(String check, Object... kv) {
        StringBuilder sb = new StringBuilder("RESULT ").append(check);
        for (int i = 0; i < kv.length; i += 2) {
            sb.append(' ').append(kv[i]).append('=').append(String.valueOf(kv[i + 1]).replace(' ', '_'));
        }
        System.out.println(sb);
    }

    private static String allocateBody(String type, Long pid) {
        return "{\"service_type\":\"" + type + "\",\"service_name\":\"reliability\""
                + (pid == null ? "" : ",\"pid\":" + pid) + "}";
    }

    // ------------------------------------------------------------------ kill -9

    /**
     * Kill -9 at random moments under allocation load: after each restart every acknowledged lease is there, and
     * no acknowledged release came back. A lease whose release was sent but not answered may be either.
     */
    static void kill9(Path dir, int cycles) throws Exception {
        Path home = dir.resolve("kill9");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> released = ConcurrentHashMap.newKeySet();
        Set<String> releasing = ConcurrentHashMap.newKeySet();
        Random random = new Random(20261125);
        long lost = 0;
        long resurrected = 0;
        long checked = 0;
        AtomicLong granted = new AtomicLong();
        for (int cycle = 0; cycle <= cycles; cycle++) {
            BenchDaemon daemon = BenchDaemon.start(home);
            try {
                Set<String> live;
                try (MiniHttp http = daemon.http()) {
                    live = new HashSet<>(BenchDaemon.locksOf(http.call("GET", "/allocations", null).body()));
                }
                for (String id : acknowledged) {
                    checked++;
                    if (!live.contains(id) && !releasing.contains(id)) {
                        lost++;
                        System.err.println("kill9: cycle " + cycle + ": acknowledged lease " + id + " lost");
                    }
                }
                for (String id : released) {
                    if (live.contains(id)) {
                        resurrected++;
                        System.err.println("kill9: cycle " + cycle + ": released lease " + id + " came back");
                    }
                }
                acknowledged.retainAll(live);
                released.clear();
                releasing.clear();
                if (cycle == cycles) {
                    break; // the last start only checks
                }
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    long seed = random.nextLong();
                    clients.add(Thread.ofPlatform().start(() -> killLoad(daemon, seed, stop, acknowledged, released,
                            releasing, granted)));
                }
                Thread.sleep(300 + random.nextInt(900));
                daemon.kill9();
                stop.set(true);
                for (Thread t : clients) {
                    t.join(30_000);
                }
            } finally {
                daemon.kill9();
            }
        }
        result("kill9", "cycles", cycles, "granted", granted.get(), "checked", checked, "lost", lost,
                "resurrected", resurrected);
    }

    private static void killLoad(BenchDaemon daemon, long seed, AtomicBoolean stop, Set<String> acknowledged,
                                 Set<String> released, Set<String> releasing, AtomicLong granted) {
        Random random = new Random(seed);
        List<String> mine = new ArrayList<>();
        try (MiniHttp http = daemon.http().timeout(5000)) {
            while (!stop.get()) {
                if (mine.size() < 10 && (mine.isEmpty() || random.nextInt(3) > 0)) {
                    MiniHttp.Response r = http.call("POST", "/allocate",
                            allocateBody(TYPES[random.nextInt(TYPES.length)], null));
                    if (r.status() == 200) {
                        String id = BenchDaemon.lockOf(r.body());
                        acknowledged.add(id);
                        mine.add(id);
                        granted.incrementAndGet();
                    } else if (r.status() < 0) {
                        return;
                    }
                } else {
                    String id = mine.remove(random.nextInt(mine.size()));
                    releasing.add(id);
                    MiniHttp.Response r = http.call("DELETE", "/allocate/" + id, null);
                    if (r.status() == 200) {
                        acknowledged.remove(id);
                        released.add(id);
                    } else if (r.status() < 0) {
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the daemon was killed under us: that is the point
        }
    }

    // ------------------------------------------------------------------ duplicates

    /**
     * {@code total} allocations from {@code clients} concurrent connections (half over the Unix socket when the
     * daemon has it), each client holding up to three leases and releasing them. A client drops a port from the
     * shared "held" map before it sends the release, so a port found in the map when a grant arrives was handed out
     * twice.
     */
    static void duplicates(Path dir, int total, int clients) throws Exception {
        try (BenchDaemon daemon = BenchDaemon.start(dir.resolve("duplicates"))) {
            boolean socket = daemon.socketAnswers();
            Map<Integer, String> held = new ConcurrentHashMap<>();
            AtomicLong remaining = new AtomicLong(total);
            AtomicLong granted = new AtomicLong();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            AtomicLong viaSocket = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                boolean useSocket = socket && c % 2 == 1;
                int id = c;
                threads.add(Thread.ofPlatform().start(() -> {
                    Random random = new Random(id);
                    List<int[]> mine = new ArrayList<>(); // port
                    List<String> locks = new ArrayList<>();
                    try (MiniHttp http = daemon.http(); LineClient line = useSocket ? new LineClient(daemon.socket())
                            : null) {
                        while (true) {
                            boolean allocate = mine.isEmpty() || (mine.size() < 3 && random.nextBoolean());
                            if (allocate) {
                                if (remaining.getAndDecrement() <= 0) {
                                    break;
                                }
                                String type = TYPES[random.nextInt(TYPES.length)];
                                int port;
                                String lock;
                                if (line != null) {
                                    String a = line.call("ALLOCATE type=" + type + " name=dup");
                                    if (!a.startsWith("OK")) {
                                        (a.contains("EXHAUSTED") ? refused : errors).incrementAndGet();
                                        continue;
                                    }
                                    port = Integer.parseInt(LineClient.field(a, "port"));
                                    lock = LineClient.field(a, "lock");
                                    viaSocket.incrementAndGet();
                                } else {
                                    MiniHttp.Response r = http.call("POST", "/allocate", allocateBody(type, null));
                                    if (r.status() != 200) {
                                        (r.status() == 409 ? refused : errors).incrementAndGet();
                                        continue;
                                    }
                                    port = BenchDaemon.portOf(r.body());
                                    lock = BenchDaemon.lockOf(r.body());
                                }
                                granted.incrementAndGet();
                                String before = held.putIfAbsent(port, lock);
                                if (before != null) {
                                    duplicates.incrementAndGet();
                                    System.err.println("duplicates: port " + port + " granted as " + lock
                                            + " while held as " + before);
                                }
                                mine.add(new int[]{port});
                                locks.add(lock);
                            } else {
                                int i = random.nextInt(mine.size());
                                int port = mine.remove(i)[0];
                                String lock = locks.remove(i);
                                held.remove(port, lock);
                                boolean ok = line != null ? line.call("RELEASE lock=" + lock).startsWith("OK")
                                        : http.call("DELETE", "/allocate/" + lock, null).status() == 200;
                                if (!ok) {
                                    errors.incrementAndGet();
                                }
                            }
                        }
                        for (int i = 0; i < mine.size(); i++) {
                            held.remove(mine.get(i)[0], locks.get(i));
                            if (http.call("DELETE", "/allocate/" + locks.get(i), null).status() != 200) {
                                errors.incrementAndGet();
                            }
                        }
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        System.err.println("duplicates: client " + id + ": " + e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            int left;
            try (MiniHttp http = daemon.http()) {
                left = BenchDaemon.locksOf(http.call("GET", "/allocations", null).body()).size();
            }
            result("duplicates", "allocations", granted.get(), "clients", clients, "via_socket", viaSocket.get(),
                    "duplicates", duplicates.get(), "refused_exhausted", refused.get(), "errors", errors.get(),
                    "left_over", left, "seconds", String.format(Locale.ROOT, "%.1f", seconds));
        }
    }

    // ------------------------------------------------------------------ malformed input

    /** Bad requests of every kind, over HTTP and (when present) the Unix socket; every answer must be a 4xx. */
    static void malformed(Path dir, int count) throws Exception {
        try (BenchDaemon daemon = BenchDaemon.start(dir.resolve("malformed"))) {
            List<byte[]> http = Malformed.http(daemon.port(), daemon.token(), count);
            long non4xx = 0;
            long noAnswer = 0;
            long sent = 0;
            Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            for (byte[] request : http) {
                MiniHttp.Response r;
                try (MiniHttp c = daemon.http().timeout(5000)) {
                    r = c.raw(request);
                } catch (IOException | RuntimeException e) {
                    r = new MiniHttp.Response(-1, e.toString());
                }
                sent++;
                statuses.merge(r.status(), 1, Integer::sum);
                if (r.status() < 0) {
                    noAnswer++;
                    System.err.println("malformed: no answer to " + Malformed.show(request));
                } else if (r.status() < 400 || r.status() > 499) {
                    non4xx++;
                    System.err.println("malformed: " + r.status() + " to " + Malformed.show(request) + " -> "
                            + r.body());
                }
            }
            long socketSent = 0;
            long socketBad = 0;
            if (daemon.socketAnswers()) {
                for (byte[] line : Malformed.lines(count / 3)) {
                    socketSent++;
                    String answer;
                    try (LineClient c = new LineClient(daemon.socket())) {
                        answer = c.callRaw(line);
                    } catch (IOException e) {
                        answer = "closed: " + e.getMessage();
                    }
                    if (!answer.startsWith("ERR code=BAD_REQUEST") && !answer.startsWith("ERR code=UNKNOWN_VERB")
                            && !answer.startsWith("ERR code=NOT_FOUND")) {
                        socketBad++;
                        System.err.println("malformed: socket answered '" + answer + "' to "
                                + Malformed.show(line));
                    }
                }
            }
            long tolerated = 0;
            if (daemon.socketAnswers()) {
                for (byte[] line : Malformed.lenient()) {
                    try (LineClient c = new LineClient(daemon.socket())) {
                        String answer = c.callRaw(line);
                        if (answer.startsWith("OK")) {
                            tolerated++;
                            String lock = LineClient.field(answer, "lock");
                            if (lock != null) {
                                c.call("RELEASE lock=" + lock);
                            }
                        }
                        System.err.println("malformed: lenient line " + Malformed.show(line) + " -> " + answer);
                    } catch (IOException e) {
                        System.err.println("malformed: lenient line " + Malformed.show(line) + " -> closed");
                    }
                }
            }
            boolean alive;
            try (MiniHttp c = daemon.http()) {
                alive = c.call("GET", "/status", null).status() == 200 && daemon.process().isAlive();
            }
            result("malformed", "http_sent", sent, "http_non4xx", non4xx, "http_no_answer", noAnswer,
                    "socket_sent", socketSent, "socket_not_err", socketBad, "socket_lenient_accepted", tolerated,
                    "alive_after", alive,
                    "statuses", statuses.toString().replace(", ", ",").replace("-1=", "none="));
        }
    }

    // ------------------------------------------------------------------ owner death

    /**
     * A lease for a running {@code sleep}, the sleep killed (SIGKILL), then {@code GET /check/{port}} polled until
     * the lease is gone: the time from the kill to the first answer without the lease.
     */
    static void ownerDeath(Path dir, int samples) throws Exception {
        try (BenchDaemon daemon = BenchDaemon.start(dir.resolve("owner-death"));
             MiniHttp http = daemon.http(); MiniHttp poll = daemon.http()) {
            List<Long> micros = new ArrayList<>();
            int notReleased = 0;
            for (int i = 0; i < samples; i++) {
                Process sleep = new ProcessBuilder("sleep", "600").start();
                MiniHttp.Response r = http.call("POST", "/allocate", allocateBody("dev", sleep.pid()));
                if (r.status() != 200) {
                    sleep.destroyForcibly();
                    throw new IllegalStateException("allocate for pid " + sleep.pid() + ": " + r);
                }
                int port = BenchDaemon.portOf(r.body());
                Thread.sleep(new Random(i).nextInt(250)); // kills land at random points of the sweep cycle
                long t0 = System.nanoTime();
                sleep.destroyForcibly();
                long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
                long gone = -1;
                while (System.nanoTime() < deadline) {
                    MiniHttp.Response c = poll.call("GET", "/check/" + port, null);
                    if (c.body().contains("\"allocated_to\":null")) {
                        gone = System.nanoTime();
                        break;
                    }
                    Thread.sleep(1);
                }
                sleep.waitFor();
                if (gone < 0) {
                    notReleased++;
                } else {
                    micros.add((gone - t0) / 1000);
                }
            }
            Collections.sort(micros);
            long[] sorted = micros.stream().mapToLong(Long::longValue).toArray();
            result("owner-death", "samples", samples, "p50_ms", ms(Latencies.percentile(sorted, 50)),
                    "p99_ms", ms(Latencies.percentile(sorted, 99)),
                    "max_ms", ms(sorted.length == 0 ? -1 : sorted[sorted.length - 1]),
                    "not_released_in_10s", notReleased);
        }
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    // ------------------------------------------------------------------ full and read-only storage

    /**
     * STYXY_HOME on a small tmpfs: leases taken, the disk filled, new leases asked for (they must be refused with a
     * clear error, or granted and kept), the disk freed, the daemon restarted; then the daemon started on the file
     * system remounted read-only: every acknowledged lease must be readable, every allocation refused with 503
     * {@code STATE_READ_ONLY}; then rw again and a last restart. Counts acknowledged leases lost.
     */
    static void storage(Path dir) throws Exception {
        Path mnt = dir.resolve("storage-mnt");
        Files.createDirectories(mnt);
        if (!run("mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", mnt.toString())) {
            result("storage", "skipped", "mount_-t_tmpfs_refused_(not_root_or_no_CAP_SYS_ADMIN)");
            return;
        }
        Path home = mnt; // the daemon's output goes beside it, off the small file system
        Set<String> acknowledged = new HashSet<>();
        long lost = 0;
        long fullGranted = 0;
        long fullRefused = 0;
        long fullOther = 0;
        long roGranted = 0;
        long roRefused = 0;
        long roOther = 0;
        long roUnreadable = -1;
        String fullMessage = "";
        String roMessage = "";
        boolean aliveFull;
        boolean aliveRo;
        boolean recovered;
        boolean roStarted = true;
        long ghosts = 0;
        long afterRefused = 0;
        String recoverMessage = "";
        try {
            BenchDaemon daemon = BenchDaemon.start(home);
            try (MiniHttp http = daemon.http()) {
                for (int i = 0; i < 20; i++) {
                    acknowledged.add(BenchDaemon.lockOf(http.call("POST", "/allocate",
                            allocateBody(TYPES[i % TYPES.length], null)).body()));
                }
                Path filler = mnt.resolve("filler");
                try (FileOutputStream out = new FileOutputStream(filler.toFile())) {
                    byte[] block = new byte[64 * 1024];
                    while (true) {
                        out.write(block);
                    }
                } catch (IOException full) {
                    // the disk is full
                }
                try (FileOutputStream out = new FileOutputStream(mnt.resolve("filler2").toFile())) {
                    byte[] small = new byte[512];
                    while (true) {
                        out.write(small);
                        out.flush();
                    }
                } catch (IOException full) {
                    // really full
                }
                for (int i = 0; i < 200; i++) {
                    MiniHttp.Response r = http.call("POST", "/allocate", allocateBody(TYPES[i % TYPES.length], null));
                    if (r.status() == 200) {
                        fullGranted++;
                        acknowledged.add(BenchDaemon.lockOf(r.body()));
                    } else if (r.status() == 503 || r.status() == 507) {
                        fullRefused++;
                        fullMessage = r.status() + " " + r.body();
                    } else {
                        fullOther++;
                        fullMessage = r.status() + " " + r.body();
                    }
                }
                lost += missing(http, acknowledged);
                aliveFull = daemon.process().isAlive() && http.call("GET", "/status", null).status() == 200;
                Files.delete(filler);
                Files.delete(mnt.resolve("filler2"));
                recovered = true;
                for (int i = 0; i < 10; i++) {
                    MiniHttp.Response after = http.call("POST", "/allocate", allocateBody("dev", null));
                    if (after.status() == 200) {
                        acknowledged.add(BenchDaemon.lockOf(after.body()));
                    } else {
                        recovered = false;
                        afterRefused++;
                        String m = after.status() + " " + after.body();
                        if (recoverMessage.isEmpty()) {
                            recoverMessage = m;
                        } else if (!recoverMessage.contains(" | then: ")
                                && !m.equals(recoverMessage)) {
                            recoverMessage = recoverMessage + " | then: " + m;
                        }
                    }
                }
            }
            daemon.stop();
            // Read-only: a file system with files open for writing cannot be remounted read-only (EBUSY), so the
            // daemon is stopped, the file system remounted read-only and the daemon started on it.
            if (!run("mount", "-o", "remount,ro", mnt.toString())) {
                roMessage = "remount_ro_refused";
                aliveRo = false;
            } else {
                Process p = BenchDaemon.launch(home);
                BenchDaemon ro = null;
                try {
                    ro = BenchDaemon.attach(home, p, 20);
                } catch (Exception e) {
                    roMessage = "the daemon did not start: " + lastLines(BenchDaemon.output(home), 1);
                }
                if (ro != null) {
                    try (MiniHttp http = ro.http()) {
                        roUnreadable = missing(http, acknowledged);
                        lost += roUnreadable;
                        for (int i = 0; i < 50; i++) {
                            MiniHttp.Response r = http.call("POST", "/allocate",
                                    allocateBody(TYPES[i % TYPES.length], null));
                            if (r.status() == 200) {
                                roGranted++;
                                acknowledged.add(BenchDaemon.lockOf(r.body()));
                            } else if (r.status() == 503 && r.body().contains("\"code\":\"STATE_READ_ONLY\"")) {
                                roRefused++;
                                roMessage = r.status() + " " + r.body();
                            } else {
                                roOther++;
                                roMessage = r.status() + " " + r.body();
                            }
                        }
                        lost += missing(http, acknowledged);
                    }
                    aliveRo = ro.process().isAlive();
                    ro.stop();
                } else {
                    aliveRo = false;
                    roStarted = false;
                    p.destroyForcibly();
                    p.waitFor();
                }
                run("mount", "-o", "remount,rw", mnt.toString());
            }
            daemon = BenchDaemon.start(home);
            try (MiniHttp http = daemon.http()) {
                lost += missing(http, acknowledged);
                // Leases the clients were never told about: a refused change must leave nothing behind.
                for (String id : BenchDaemon.locksOf(http.call("GET", "/allocations", null).body())) {
                    if (!acknowledged.contains(id)) {
                        ghosts++;
                        System.err.println("storage: lease " + id + " is there after the restart, but its"
                                + " allocation was refused");
                    }
                }
            }
            daemon.stop();
        } finally {
            // The lock the read-only daemon kept in the runtime directory (lock files stay, as daemon.lock does).
            Files.deleteIfExists(io.styxy.server.config.StateDir.runtimeDir()
                    .resolve(io.styxy.server.config.StateDir.runtimeKey(home) + ".lock"));
            run("umount", "-l", mnt.toString());
        }
        System.err.println("storage: disk full answer: " + fullMessage);
        System.err.println("storage: read-only answer: " + roMessage);
        result("storage", "acknowledged", acknowledged.size(), "lost", lost, "ghosts", ghosts,
                "refused_after_free", afterRefused,
                "full_granted", fullGranted, "full_refused", fullRefused, "full_other", fullOther,
                "full_alive", aliveFull, "recovered_after_free", recovered,
                "ro_started", roStarted, "ro_unreadable", roUnreadable, "ro_granted", roGranted,
                "ro_refused_read_only", roRefused, "ro_other", roOther, "ro_alive", aliveRo);
        System.out.println("MESSAGE full " + fullMessage);
        System.out.println("MESSAGE recover " + recoverMessage);
        System.out.println("MESSAGE ro " + roMessage);
    }

    private static long missing(MiniHttp http, Set<String> acknowledged) throws IOException {
        Set<String> live = new HashSet<>(BenchDaemon.locksOf(http.call("GET", "/allocations", null).body()));
        long n = 0;
        for (String id : acknowledged) {
            if (!live.contains(id)) {
                n++;
                System.err.println("storage: acknowledged lease " + id + " is missing");
            }
        }
        return n;
    }

    private static String lastLines(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" / ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static boolean run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", cmd) + ": " + out.trim());
        }
        return rc == 0;
    }

    static String randomLock() {
        return UUID.randomUUID().toString();
    }
}
