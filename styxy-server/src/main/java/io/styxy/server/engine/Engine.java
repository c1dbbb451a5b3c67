package io.styxy.server.engine;

import io.styxy.api.InstanceBehavior;
import io.styxy.api.Listener;
import io.styxy.api.PortRange;
import io.styxy.api.Protocol;
import io.styxy.api.ServiceType;
import io.styxy.server.engine.EngineEvent.ReleaseReason;
import io.styxy.server.engine.EngineException.Reason;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The ledger of leases and the rules for handing ports out.
 *
 * <p>Invariant: no two live leases share a port. All ledger maps are guarded by one lock that is held only for
 * in-memory work; OS probes and store commits run outside it. A port being probed or committed is
 * {@linkplain #reserved reserved}, so no other request can take it meanwhile. A change is acknowledged (the method
 * returns) only after the store made it durable; if it cannot, the in-memory change is undone.
 */
public final class Engine {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,100}");
    private static final Pattern INSTANCE = Pattern.compile("[a-zA-Z0-9_.:-]{1,100}");
    private static final int MAX_PATH = 1000;
    private static final int MIN_PORT = 1024;

    private final InstantSource clock;
    private final ProcessTable processes;
    private final PortProbe probe;
    private final ListenerView listenerView;
    private final LeaseStore store;
    private final ServiceTypeWriter typeWriter;
    private final EngineSettings settings;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Lease> byLock = new HashMap<>();
    private final Map<Integer, Lease> byPort = new HashMap<>();
    private final Set<Integer> reserved = new HashSet<>();
    private final Set<String> releasing = new HashSet<>();
    private final Map<Integer, Instant> quarantine = new HashMap<>();
    private final Map<Integer, Instant> holds = new HashMap<>();
    private final Map<String, Instance> instances = new HashMap<>();
    private final Deque<Reassignment> reassignments = new ArrayDeque<>();
    private final AtomicLong reassignmentSeq = new AtomicLong();

    private final Object typeCreation = new Object();
    private volatile ServiceTypeCatalog catalog;
    private final List<Consumer<EngineEvent>> eventListeners = new CopyOnWriteArrayList<>();

    public Engine(ServiceTypeCatalog catalog, EngineSettings settings, InstantSource clock, ProcessTable processes,
                  PortProbe probe, ListenerView listenerView, LeaseStore store, ServiceTypeWriter typeWriter) {
        this.catalog = catalog;
        this.settings = settings;
        this.clock = clock;
        this.processes = processes;
        this.probe = probe;
        this.listenerView = listenerView;
        this.store = store;
        this.typeWriter = typeWriter;
        restore(store.load());
    }

    private void restore(LeaseStore.Snapshot snapshot) {
        for (Lease lease : snapshot.leases()) {
            if (byPort.containsKey(lease.port())) {
                continue; // cannot happen with a sound store; never let it break the invariant
            }
            byLock.put(lease.lockId(), lease);
            byPort.put(lease.port(), lease);
        }
        for (Instance instance : snapshot.instances()) {
            instances.put(instance.instanceId(), instance);
        }
        snapshot.reassignments().stream().sorted(Comparator.comparingLong(Reassignment::id)).forEach(r -> {
            reassignments.addLast(r);
            reassignmentSeq.set(Math.max(reassignmentSeq.get(), r.id()));
        });
        trimReassignments();
    }

    // ---------------------------------------------------------------- events

    public void addEventListener(Consumer<EngineEvent> listener) {
        eventListeners.add(listener);
    }

    public void removeEventListener(Consumer<EngineEvent> listener) {
        eventListeners.remove(listener);
    }

    private void emit(EngineEvent event) {
        for (Consumer<EngineEvent> listener : eventListeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                // A broken listener must not break the ledger.
            }
        }
    }

    /** Lets adapters (the observer hub) publish listener events on the same stream. */
    public void publish(EngineEvent event) {
        emit(event);
    }

    // ---------------------------------------------------------------- queries

    public ServiceTypeCatalog catalog() {
        return catalog;
    }

    public EngineSettings settings() {
        return settings;
    }

    public List<Lease> leases() {
        lock.lock();
        try {
            List<Lease> list = new ArrayList<>(byLock.values());
            list.sort(Comparator.comparingInt(Lease::port));
            return list;
        } finally {
            lock.unlock();
        }
    }

    public Optional<Lease> lease(String lockId) {
        lock.lock();
        try {
            return Optional.ofNullable(byLock.get(lockId));
        } finally {
            lock.unlock();
        }
    }

    public Optional<Lease> leaseOnPort(int port) {
        lock.lock();
        try {
            return Optional.ofNullable(byPort.get(port));
        } finally {
            lock.unlock();
        }
    }

    public int leaseCount() {
        lock.lock();
        try {
            return byLock.size();
        } finally {
            lock.unlock();
        }
    }

    public List<Instance> instances() {
        lock.lock();
        try {
            List<Instance> list = new ArrayList<>(instances.values());
            list.sort(Comparator.comparing(Instance::registeredAt));
            return list;
        } finally {
            lock.unlock();
        }
    }

    public Set<Integer> quarantinedPorts() {
        lock.lock();
        try {
            return Set.copyOf(quarantine.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Reassignments, newest last; only those that asked for or were given {@code port} when it is not null. */
    public List<Reassignment> reassignments(Integer port) {
        lock.lock();
        try {
            return reassignments.stream()
                    .filter(r -> port == null || r.askedPort() == port || r.givenPort() == port)
                    .toList();
        } finally {
            lock.unlock();
        }
    }

    /** What the daemon knows about one port; runs the bind probe. */
    public PortStatus check(int port) {
        requirePort(port, 1);
        Lease lease;
        boolean quarantined;
        boolean held;
        lock.lock();
        try {
            lease = byPort.get(port);
            quarantined = quarantine.containsKey(port);
            Instant hold = holds.get(port);
            held = hold != null && hold.isAfter(clock.instant());
        } finally {
            lock.unlock();
        }
        List<Listener> listeners = listenersOn(port);
        boolean bindable = canBind(port, Protocol.TCP);
        boolean available = lease == null && !quarantined && listeners.isEmpty() && bindable;
        return new PortStatus(port, available, lease, listeners, quarantined, held, bindable);
    }

    // ---------------------------------------------------------------- read-only state

    /** Why the ledger takes no change (its state directory is read-only, saying what to do), or {@code null}. */
    public String readOnly() {
        return store.readOnly();
    }

    /**
     * Refuses a change when the state directory is read-only: up front, before anything is probed, reserved or
     * touched, so a refused request leaves the ledger exactly as it was.
     */
    public void requireWritable() {
        String why = store.readOnly();
        if (why != null) {
            throw new EngineException(Reason.STATE_READ_ONLY, why);
        }
    }

    // ---------------------------------------------------------------- allocation

    /** Hands out a port, or says which one a dry run would get, or names the holder of a singleton type. */
    public Allocation allocate(AllocationRequest request) {
        if (!request.dryRun()) {
            requireWritable();
        }
        validate(request);
        Allocation.AutoRange autoRange = null;
        ServiceType type = catalog.find(request.serviceType()).orElse(null);
        if (type == null) {
            if (request.dryRun()) {
                throw unknownType(request.serviceType());
            }
            autoRange = createAutoType(request.serviceType());
            type = catalog.find(request.serviceType()).orElseThrow();
        }
        Owner owner = ownerOf(request.ownerPid());
        Placement placement = new Placement(type, request, owner, Lease.Origin.API, Set.of(),
                type.instanceBehavior() == InstanceBehavior.SINGLE, lease -> List.of());
        try {
            return grant(placement, autoRange);
        } catch (EngineException e) {
            if (e.reason() == Reason.EXHAUSTED && !request.dryRun() && growAutoType(type)) {
                ServiceType grown = catalog.find(type.name()).orElseThrow();
                return grant(placement.withType(grown), autoRange);
            }
            throw e;
        }
    }

    /**
     * Several leases for one application, all or nothing: if any request fails, the leases already granted for the
     * group are released and the failure is reported. Singleton types answer with their holder as usual.
     */
    public List<Allocation> allocateGroup(List<AllocationRequest> requests) {
        requireWritable();
        if (requests.isEmpty() || requests.size() > 32) {
            throw new EngineException(Reason.INVALID_REQUEST, "a group holds 1 to 32 leases, got " + requests.size());
        }
        requests.forEach(this::validate);
        List<Allocation> done = new ArrayList<>();
        try {
            for (AllocationRequest request : requests) {
                if (request.dryRun()) {
                    throw new EngineException(Reason.INVALID_REQUEST, "dry_run is not allowed inside a group");
                }
                done.add(allocate(request));
            }
            return done;
        } catch (EngineException e) {
            List<Lease> granted = done.stream().filter(a -> a instanceof Allocation.Granted)
                    .map(a -> ((Allocation.Granted) a).lease()).toList();
            releaseAll(granted, ReleaseReason.RELEASED, false);
            throw e;
        }
    }

    /**
     * The interposer's request: {@code pid} could not bind {@code askedPort}. Leases a port of the same service type
     * to that pid and records the move. {@code failedPort}, when set, is a port given earlier that the process could
     * not bind after all: its lease is dropped and the port quarantined.
     */
    public Reassignment reassign(long pid, int askedPort, Protocol protocol, Integer failedPort) {
        requireWritable();
        requirePort(askedPort, 1);
        ProcessInfo process = processes.find(pid).orElseThrow(() -> new EngineException(Reason.OWNER_NOT_RUNNING,
                "process " + pid + " is not running"));
        if (failedPort != null) {
            requirePort(failedPort, 1);
            Lease stale = leaseOnPort(failedPort).filter(l -> l.owner() != null && l.owner().pid() == pid)
                    .orElse(null);
            if (stale != null) {
                releaseAll(List.of(stale), ReleaseReason.REASSIGN_RETRY, true);
            } else {
                quarantineIfFree(failedPort);
            }
        }
        ServiceType type = catalog.typeOfPort(askedPort)
                .or(() -> ServiceTypeInference.infer(process.commandLine()).flatMap(catalog::find))
                .or(() -> catalog.find("dev"))
                .orElseThrow(() -> unknownType("dev"));
        AllocationRequest request = new AllocationRequest(type.name(), ownerNameOf(process.name()), null, "interposer",
                truncate(process.cwd(), MAX_PATH), pid, false, false, protocol, "styxy-interposer", "unix");
        Set<Integer> excluded = failedPort == null ? Set.of(askedPort) : Set.of(askedPort, failedPort);
        Reassignment[] made = new Reassignment[1];
        Placement placement = new Placement(type, request, process.owner(), Lease.Origin.REASSIGNMENT, excluded,
                false, lease -> {
            made[0] = new Reassignment(reassignmentSeq.incrementAndGet(), pid, process.commandLine(), askedPort,
                    lease.port(), type.name(), lease.lockId(), lease.createdAt());
            return List.of(new StoreChange.ReassignmentSaved(made[0]));
        });
        grant(placement, null);
        lock.lock();
        try {
            reassignments.addLast(made[0]);
            trimReassignments();
        } finally {
            lock.unlock();
        }
        emit(new EngineEvent.PortReassigned(made[0]));
        return made[0];
    }

    /**
     * Records a lease for a port a running process already holds (it registered itself after binding).
     * No probe: the port is expected to be busy — with this very process.
     */
    public Lease adopt(int port, long pid, String serviceType, String serviceName, String projectPath,
                       String instanceId) {
        requireWritable();
        requirePort(port, MIN_PORT);
        ServiceType type = catalog.find(serviceType).or(() -> catalog.typeOfPort(port))
                .or(() -> catalog.find("dev")).orElseThrow(() -> unknownType(serviceType));
        Owner owner = ownerOf(pid);
        AllocationRequest request = new AllocationRequest(type.name(), serviceName, port, instanceId, projectPath, pid,
                false, false, Protocol.TCP, null, null);
        validate(request);
        Lease lease;
        lock.lock();
        try {
            Lease existing = byPort.get(port);
            if (existing != null) {
                if (existing.owner() != null && existing.owner().equals(owner)) {
                    return existing;
                }
                throw new EngineException(Reason.CONFLICT, "port " + port + " is leased to "
                        + describe(existing) + " (lock " + existing.lockId() + ")");
            }
            if (reserved.contains(port)) {
                throw new EngineException(Reason.CONFLICT, "port " + port + " is being allocated right now");
            }
            lease = newLease(port, type, request, owner, Lease.Origin.REGISTRATION);
            insert(lease);
            quarantine.remove(port);
        } finally {
            lock.unlock();
        }
        commitOrUndo(lease, List.of());
        emit(new EngineEvent.LeaseGranted(lease));
        return lease;
    }

    /** Up to {@code count} free ports of a type, each held for a short time so no other caller is offered it. */
    public List<Integer> suggest(String serviceType, int count) {
        if (count < 1 || count > 100) {
            throw new EngineException(Reason.INVALID_REQUEST, "count must be 1..100, got " + count);
        }
        ServiceType type = catalog.find(serviceType).orElseThrow(() -> unknownType(serviceType));
        List<Integer> found = new ArrayList<>();
        Protocol protocol = Protocol.TCP;
        CandidateWalk walk = candidates(type, AllocationRequest.of(type.name()), Set.of());
        for (int port = walk.nextPort(); port >= 0; port = walk.nextPort()) {
            if (found.size() == count) {
                break;
            }
            if (!reserve(port, null)) {
                continue;
            }
            boolean free = osFree(port, protocol);
            lock.lock();
            try {
                reserved.remove(port);
                if (free && !byPort.containsKey(port)) {
                    holds.put(port, clock.instant().plus(settings.suggestionHold()));
                    found.add(port);
                }
            } finally {
                lock.unlock();
            }
        }
        return found;
    }

    // ---------------------------------------------------------------- release and renewal

    public Lease release(String lockId) {
        requireWritable();
        Lease lease = lease(lockId).orElseThrow(() -> notFound(lockId));
        List<Lease> done = releaseAll(List.of(lease), ReleaseReason.RELEASED, false);
        if (done.isEmpty()) {
            throw notFound(lockId);
        }
        return done.getFirst();
    }

    public Lease releasePort(int port) {
        requireWritable();
        requirePort(port, 1);
        Lease lease = leaseOnPort(port).orElseThrow(() -> new EngineException(Reason.NOT_FOUND,
                "no lease on port " + port));
        return release(lease.lockId());
    }

    public List<Lease> releaseOwner(long pid) {
        requireWritable();
        return releaseAll(select(l -> l.owner() != null && l.owner().pid() == pid), ReleaseReason.RELEASED, false);
    }

    public List<Lease> releaseInstance(String instanceId) {
        requireWritable();
        return releaseAll(select(l -> l.instanceId().equals(instanceId)), ReleaseReason.RELEASED, false);
    }

    public Lease renew(String lockId) {
        requireWritable();
        Lease renewed;
        lock.lock();
        try {
            Lease lease = byLock.get(lockId);
            if (lease == null || releasing.contains(lockId)) {
                throw notFound(lockId);
            }
            renewed = lease.renewed(clock.instant());
        } finally {
            lock.unlock();
        }
        await(store.submit(new StoreChange.LeaseSaved(renewed)));
        lock.lock();
        try {
            if (byLock.containsKey(lockId)) {
                byLock.put(lockId, renewed);
                byPort.put(renewed.port(), renewed);
            }
        } finally {
            lock.unlock();
        }
        return renewed;
    }

    /**
     * Drops what is dead now (leases of exited owners, expired instances); with {@code force}, every lease.
     *
     * @return the leases released
     */
    public List<Lease> cleanup(boolean force) {
        requireWritable();
        if (force) {
            return releaseAll(select(l -> true), ReleaseReason.CLEANUP, false);
        }
        return sweep();
    }

    // ---------------------------------------------------------------- instances

    public Instance registerInstance(String instanceId, String workingDirectory, Map<String, Object> metadata) {
        requireWritable();
        requireInstanceId(instanceId);
        if (workingDirectory != null && (workingDirectory.length() > MAX_PATH || workingDirectory.indexOf('\0') >= 0)) {
            throw new EngineException(Reason.INVALID_REQUEST, "working_directory must be a path of at most "
                    + MAX_PATH + " characters");
        }
        Instant now = clock.instant();
        Instance instance;
        lock.lock();
        try {
            Instance existing = instances.get(instanceId);
            instance = new Instance(instanceId, workingDirectory,
                    metadata == null && existing != null ? existing.metadata() : metadata,
                    existing == null ? now : existing.registeredAt(), now);
        } finally {
            lock.unlock();
        }
        await(store.submit(new StoreChange.InstanceSaved(instance)));
        lock.lock();
        try {
            instances.put(instanceId, instance);
        } finally {
            lock.unlock();
        }
        return instance;
    }

    public Instance heartbeat(String instanceId) {
        requireWritable();
        requireInstanceId(instanceId);
        Instance beat;
        lock.lock();
        try {
            Instance existing = instances.get(instanceId);
            if (existing == null) {
                throw new EngineException(Reason.NOT_FOUND, "instance " + instanceId + " is not registered");
            }
            beat = existing.beat(clock.instant());
        } finally {
            lock.unlock();
        }
        await(store.submit(new StoreChange.InstanceSaved(beat)));
        lock.lock();
        try {
            instances.put(instanceId, beat);
        } finally {
            lock.unlock();
        }
        return beat;
    }

    public List<Lease> leasesOfInstance(String instanceId) {
        return select(l -> l.instanceId().equals(instanceId));
    }

    // ---------------------------------------------------------------- housekeeping

    /**
     * Releases the leases of owners that exited (pid gone, or reused by a process with another start time) and of
     * instances whose heartbeats stopped; re-probes quarantined ports; forgets expired suggestion holds. The daemon
     * calls it several times a second. A read-only ledger releases nothing: its leases stay as they were stored.
     *
     * @return the leases released
     */
    public List<Lease> sweep() {
        Instant now = clock.instant();
        boolean writable = store.readOnly() == null;
        Map<Owner, Boolean> alive = new HashMap<>();
        List<Lease> dead = new ArrayList<>();
        for (Lease lease : writable ? select(l -> l.owner() != null) : List.<Lease>of()) {
            if (!alive.computeIfAbsent(lease.owner(), processes::isAlive)) {
                dead.add(lease);
            }
        }
        List<Lease> released = new ArrayList<>(releaseAll(dead, ReleaseReason.OWNER_EXITED, true));

        List<Instance> expired;
        lock.lock();
        try {
            Instant cutoff = now.minus(settings.instanceTtl());
            expired = !writable ? List.of()
                    : instances.values().stream().filter(i -> i.lastHeartbeat().isBefore(cutoff)).toList();
        } finally {
            lock.unlock();
        }
        for (Instance instance : expired) {
            released.addAll(releaseAll(leasesOfInstance(instance.instanceId()), ReleaseReason.INSTANCE_EXPIRED,
                    false));
            try {
                await(store.submit(new StoreChange.InstanceDeleted(instance.instanceId())));
                lock.lock();
                try {
                    instances.remove(instance.instanceId(), instance);
                } finally {
                    lock.unlock();
                }
            } catch (EngineException e) {
                // Stays registered; the next sweep tries again.
            }
        }

        List<Integer> waiting;
        lock.lock();
        try {
            holds.values().removeIf(expiry -> !expiry.isAfter(now));
            waiting = List.copyOf(quarantine.keySet());
        } finally {
            lock.unlock();
        }
        for (int port : waiting) {
            if (osFree(port, Protocol.TCP)) {
                lock.lock();
                try {
                    quarantine.remove(port);
                } finally {
                    lock.unlock();
                }
            }
        }
        return released;
    }

    // ---------------------------------------------------------------- internals: granting

    /** Everything needed to place one lease. */
    private record Placement(ServiceType type, AllocationRequest request, Owner owner, Lease.Origin origin,
                             Set<Integer> excluded, boolean singleton,
                             Function<Lease, List<StoreChange>> extraChanges) {

        Placement withType(ServiceType grown) {
            return new Placement(grown, request, owner, origin, excluded, singleton, extraChanges);
        }
    }

    private Allocation grant(Placement p, Allocation.AutoRange autoRange) {
        return p.singleton() ? grantSingleton(p, autoRange) : grantShared(p, autoRange);
    }

    private Allocation grantShared(Placement p, Allocation.AutoRange autoRange) {
        AllocationRequest request = p.request();
        CandidateWalk walk = candidates(p.type(), request, p.excluded());
        for (int port = walk.nextPort(); port >= 0; port = walk.nextPort()) {
            if (!reserve(port, request.preferredPort())) {
                continue;
            }
            boolean free = osFree(port, request.protocol());
            if (!free || request.dryRun()) {
                unreserve(port);
                if (free) {
                    return new Allocation.DryRun(port, p.type().name(), request.serviceName());
                }
                continue;
            }
            Lease lease = newLease(port, p.type(), request, p.owner(), p.origin());
            lock.lock();
            try {
                reserved.remove(port);
                insert(lease);
            } finally {
                lock.unlock();
            }
            commitOrUndo(lease, p.extraChanges().apply(lease));
            emit(new EngineEvent.LeaseGranted(lease));
            return new Allocation.Granted(lease, autoRange);
        }
        throw exhausted(p.type());
    }

    /** Singletons are placed entirely under the lock, so two requests can never both become the holder. */
    private Allocation grantSingleton(Placement p, Allocation.AutoRange autoRange) {
        AllocationRequest request = p.request();
        Lease lease = null;
        lock.lock();
        try {
            for (Lease existing : byLock.values()) {
                if (existing.serviceType().equals(p.type().name()) && !releasing.contains(existing.lockId())) {
                    return new Allocation.SingletonHeld(existing);
                }
            }
            CandidateWalk walk = candidates(p.type(), request, p.excluded());
            for (int port = walk.nextPort(); port >= 0; port = walk.nextPort()) {
                if (!claimable(port, request.preferredPort()) || !osFree(port, request.protocol())) {
                    continue;
                }
                if (request.dryRun()) {
                    return new Allocation.DryRun(port, p.type().name(), request.serviceName());
                }
                lease = newLease(port, p.type(), request, p.owner(), p.origin());
                insert(lease);
                break;
            }
        } finally {
            lock.unlock();
        }
        if (lease == null) {
            throw exhausted(p.type());
        }
        commitOrUndo(lease, p.extraChanges().apply(lease));
        emit(new EngineEvent.LeaseGranted(lease));
        return new Allocation.Granted(lease, autoRange);
    }

    private void commitOrUndo(Lease lease, List<StoreChange> extra) {
        List<StoreChange> changes = new ArrayList<>(1 + extra.size());
        changes.add(new StoreChange.LeaseSaved(lease));
        changes.addAll(extra);
        try {
            await(store.submit(changes));
        } catch (EngineException e) {
            lock.lock();
            try {
                byLock.remove(lease.lockId());
                byPort.remove(lease.port(), lease);
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /**
     * Candidate order: requested port → stable hash point onward, or the type's preferred ports → the range.
     * Walked lazily: most requests stop at the first candidate, so no list of the whole range is built.
     */
    private static CandidateWalk candidates(ServiceType type, AllocationRequest request, Set<Integer> excluded) {
        return new CandidateWalk(type, request, excluded);
    }

    /**
     * One walk over the candidates of a request, each port once, skipping excluded and privileged ports. Ports stay
     * {@code int}s: a conflict walks past every port its process already holds, and boxing each one was a tenth of
     * the garbage of a reassignment.
     */
    private static final class CandidateWalk {

        private final int requested;
        private final List<Integer> preferred;
        private final PortRange range;
        private final Set<Integer> excluded;
        private final int offset;
        private int preferredIndex;
        private int rangeIndex;
        private boolean requestedDone;

        CandidateWalk(ServiceType type, AllocationRequest request, Set<Integer> excluded) {
            Integer asked = request.preferredPort();
            this.requested = asked == null ? -1 : asked;
            this.range = type.range();
            boolean stable = request.stable();
            this.preferred = stable ? List.of() : type.preferredPorts();
            this.excluded = excluded;
            this.offset = stable ? Math.floorMod(stableHash(request.projectPath() + '\0' + request.serviceName()),
                    range.size()) : 0;
            this.requestedDone = asked == null;
        }

        /** The next candidate, or -1 when the walk is over. */
        int nextPort() {
            while (true) {
                int port;
                if (!requestedDone) {
                    requestedDone = true;
                    port = requested;
                } else if (preferredIndex < preferred.size()) {
                    port = preferred.get(preferredIndex++);
                    if (port == requested) {
                        continue;
                    }
                } else if (rangeIndex < range.size()) {
                    port = range.start() + (offset + rangeIndex++) % range.size();
                    if (port == requested || isPreferred(port)) {
                        continue;
                    }
                } else {
                    return -1;
                }
                if (port >= MIN_PORT && (excluded.isEmpty() || !excluded.contains(port))) {
                    return port;
                }
            }
        }

        private boolean isPreferred(int port) {
            for (int i = 0; i < preferred.size(); i++) {
                if (preferred.get(i) == port) {
                    return true;
                }
            }
            return false;
        }
    }

    /** FNV-1a: a hash that is the same on every run and every JVM. */
    static int stableHash(String key) {
        int hash = 0x811c9dc5;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }

    /** Under the lock: nobody leases, reserves, quarantines or holds (for someone else) this port. */
    private boolean claimable(int port, Integer requestedPort) {
        Integer key = port; // boxed once for the four look-ups (ports above 127 are not cached)
        if (byPort.containsKey(key) || reserved.contains(key) || quarantine.containsKey(key)) {
            return false;
        }
        Instant hold = holds.isEmpty() ? null : holds.get(key);
        boolean heldForOthers = hold != null && hold.isAfter(clock.instant())
                && (requestedPort == null || requestedPort != port);
        return !heldForOthers;
    }

    private boolean reserve(int port, Integer requestedPort) {
        lock.lock();
        try {
            if (!claimable(port, requestedPort)) {
                return false;
            }
            reserved.add(port);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void unreserve(int port) {
        lock.lock();
        try {
            reserved.remove(port);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void insert(Lease lease) {
        byLock.put(lease.lockId(), lease);
        byPort.put(lease.port(), lease);
        holds.remove(lease.port());
    }

    /** No foreign listener of that protocol as last observed, and the four-address probe succeeds now; any error
     * means "taken". */
    private boolean osFree(int port, Protocol protocol) {
        try {
            for (Listener listener : listenerView.recentListenersOn(port)) {
                if (listener.protocol() == protocol) {
                    return false;
                }
            }
            return probe.canBind(port, protocol);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean canBind(int port, Protocol protocol) {
        try {
            return probe.canBind(port, protocol);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private List<Listener> listenersOn(int port) {
        try {
            return listenerView.listenersOn(port);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private Lease newLease(int port, ServiceType type, AllocationRequest request, Owner owner, Lease.Origin origin) {
        Instant now = clock.instant();
        return new Lease(UUID.randomUUID().toString(), port, request.protocol(), type.name(), request.serviceName(),
                request.projectPath(), request.instanceId(), owner, origin, now, now, request.userAgent(),
                request.remoteIp());
    }

    // ---------------------------------------------------------------- internals: releasing

    private List<Lease> select(java.util.function.Predicate<Lease> filter) {
        lock.lock();
        try {
            return byLock.values().stream().filter(filter).toList();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases the given leases in one durable batch. Leases already gone or being released by someone else are
     * skipped. Ports of dead owners are quarantined until a probe shows them free.
     */
    private List<Lease> releaseAll(Collection<Lease> leases, ReleaseReason reason, boolean quarantinePorts) {
        List<Lease> mine = new ArrayList<>();
        lock.lock();
        try {
            for (Lease lease : leases) {
                if (byLock.get(lease.lockId()) != null && releasing.add(lease.lockId())) {
                    mine.add(byLock.get(lease.lockId()));
                }
            }
        } finally {
            lock.unlock();
        }
        if (mine.isEmpty()) {
            return List.of();
        }
        List<StoreChange> changes = mine.stream().<StoreChange>map(l -> new StoreChange.LeaseDeleted(l.lockId()))
                .toList();
        try {
            await(store.submit(changes));
        } catch (EngineException e) {
            lock.lock();
            try {
                mine.forEach(l -> releasing.remove(l.lockId()));
            } finally {
                lock.unlock();
            }
            throw e;
        }
        Instant now = clock.instant();
        lock.lock();
        try {
            for (Lease lease : mine) {
                byLock.remove(lease.lockId());
                byPort.remove(lease.port(), lease);
                releasing.remove(lease.lockId());
                if (quarantinePorts) {
                    quarantine.put(lease.port(), now);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Lease lease : mine) {
            emit(new EngineEvent.LeaseReleased(lease, reason));
        }
        return mine;
    }

    private void quarantineIfFree(int port) {
        lock.lock();
        try {
            if (!byPort.containsKey(port)) {
                quarantine.put(port, clock.instant());
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- internals: auto types

    private Allocation.AutoRange createAutoType(String name) {
        if (!ServiceType.isValidName(name)) {
            throw new EngineException(Reason.INVALID_REQUEST, "service_type must be letters, digits and dashes"
                    + " (at most 50 characters), got \"" + truncate(name, 60) + "\"");
        }
        AutoRangePolicy policy = settings.autoRanges();
        if (!policy.enabled()) {
            throw unknownType(name);
        }
        synchronized (typeCreation) {
            if (catalog.find(name).isPresent()) {
                return null; // created by a concurrent request
            }
            int chunk = policy.chunkSizeFor(name);
            List<PortRange> existing = catalog.entries().stream().map(e -> e.type().range()).toList();
            PortRange range = AutoRangePlanner.plan(chunk, policy, existing, settings.ephemeralRange())
                    .orElseThrow(() -> new EngineException(Reason.EXHAUSTED, "no room for a new " + chunk
                            + "-port range for service type \"" + name + "\" between " + policy.minPort() + " and "
                            + policy.maxPort()));
            List<Integer> preferred = new ArrayList<>();
            for (int i = 0; i < Math.min(4, chunk); i++) {
                preferred.add(range.start() + i);
            }
            ServiceType type = new ServiceType(name, "Auto-allocated range for " + name, range, preferred,
                    InstanceBehavior.MULTI, List.of());
            persistType(type, null);
            CatalogEntry entry = new CatalogEntry(type, "auto");
            catalog = catalog.with(entry);
            emit(new EngineEvent.ServiceTypeCreated(entry));
            return new Allocation.AutoRange(range, chunk, policy.placement());
        }
    }

    /** Extends a full auto-allocated range by one more chunk, when the ports above it are free of other ranges. */
    private boolean growAutoType(ServiceType type) {
        AutoRangePolicy policy = settings.autoRanges();
        synchronized (typeCreation) {
            CatalogEntry entry = catalog.entries().stream().filter(e -> e.type().name().equals(type.name()))
                    .findFirst().orElse(null);
            if (entry == null || !entry.source().equals("auto")) {
                return false;
            }
            if (!entry.type().range().equals(type.range())) {
                return true; // grown by a concurrent request already
            }
            int chunk = policy.chunkSizeFor(type.name());
            int newEnd = type.range().end() + chunk;
            if (newEnd > policy.maxPort()) {
                return false;
            }
            PortRange addition = PortRange.of(type.range().end() + 1, newEnd);
            for (CatalogEntry other : catalog.entries()) {
                PortRange r = other.type().range();
                if (!other.type().name().equals(type.name())
                        && r.start() <= newEnd + policy.gapSize() && addition.start() <= r.end()) {
                    return false;
                }
            }
            PortRange eph = settings.ephemeralRange();
            if (eph != null && eph.overlaps(addition)) {
                return false;
            }
            ServiceType grown = new ServiceType(type.name(), type.description(),
                    PortRange.of(type.range().start(), newEnd), type.preferredPorts(), type.instanceBehavior(),
                    type.examples());
            persistType(grown, type.range());
            CatalogEntry grownEntry = new CatalogEntry(grown, "auto");
            catalog = catalog.with(grownEntry);
            emit(new EngineEvent.ServiceTypeCreated(grownEntry));
            return true;
        }
    }

    private void persistType(ServiceType type, PortRange previous) {
        try {
            typeWriter.persistAutoType(type, previous);
        } catch (RuntimeException e) {
            throw new EngineException(Reason.STORE_UNAVAILABLE, "cannot save service type \"" + type.name()
                    + "\": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- internals: validation and errors

    private void validate(AllocationRequest r) {
        if (r.serviceType() == null || r.serviceType().isEmpty()) {
            throw new EngineException(Reason.INVALID_REQUEST, "service_type is required");
        }
        if (r.serviceType().length() > 50) {
            throw new EngineException(Reason.INVALID_REQUEST, "service_type must be at most 50 characters");
        }
        if (!NAME.matcher(r.serviceName()).matches()) {
            throw new EngineException(Reason.INVALID_REQUEST, "service_name must be 1-100 letters, digits, dots,"
                    + " dashes or underscores, got \"" + truncate(r.serviceName(), 60) + "\"");
        }
        requireInstanceId(r.instanceId());
        if (r.projectPath().length() > MAX_PATH || r.projectPath().indexOf('\0') >= 0) {
            throw new EngineException(Reason.INVALID_REQUEST, "project_path must be a path of at most " + MAX_PATH
                    + " characters");
        }
        if (r.preferredPort() != null) {
            requirePort(r.preferredPort(), MIN_PORT);
        }
        if (r.ownerPid() != null && r.ownerPid() <= 0) {
            throw new EngineException(Reason.INVALID_REQUEST, "pid must be a positive process id");
        }
    }

    private static void requireInstanceId(String id) {
        if (id == null || !INSTANCE.matcher(id).matches()) {
            throw new EngineException(Reason.INVALID_REQUEST, "instance_id must be 1-100 letters, digits, dots,"
                    + " colons, dashes or underscores");
        }
    }

    private static void requirePort(int port, int min) {
        if (port < min || port > 65_535) {
            throw new EngineException(Reason.INVALID_REQUEST, "port must be a number from " + min + " to 65535, got "
                    + port);
        }
    }

    private Owner ownerOf(Long pid) {
        if (pid == null) {
            return null;
        }
        return processes.find(pid).map(ProcessInfo::owner).orElseThrow(() -> new EngineException(
                Reason.OWNER_NOT_RUNNING, "process " + pid + " is not running; leases tied to a process need a live"
                + " pid"));
    }

    private EngineException unknownType(String name) {
        return new EngineException(Reason.UNKNOWN_SERVICE_TYPE, "unknown service type \"" + truncate(name, 60)
                + "\"; known types: " + String.join(", ", catalog.entries().stream().map(e -> e.type().name())
                .toList()) + ". Add it under service_types in config.json, or enable auto_allocation");
    }

    private EngineException exhausted(ServiceType type) {
        return new EngineException(Reason.EXHAUSTED, "no free port in range " + type.range() + " of service type \""
                + type.name() + "\"; release a lease (styxy list --service " + type.name()
                + ") or widen the range in config.json");
    }

    private static EngineException notFound(String lockId) {
        return new EngineException(Reason.NOT_FOUND, "lock id " + truncate(lockId, 60) + " is not a live lease");
    }

    private static String describe(Lease lease) {
        return lease.serviceType() + "/" + lease.serviceName()
                + (lease.owner() == null ? "" : " (pid " + lease.owner().pid() + ")");
    }

    /** A process name made fit to name a lease's owner (other characters become '-'), or null when empty. */
    public static String ownerNameOf(String processName) {
        // A loop, not a regular expression: this runs on every conflict, where less code means less to compile.
        StringBuilder name = new StringBuilder(Math.min(processName.length(), 100));
        for (int i = 0; i < processName.length(); ) {
            int c = processName.codePointAt(i);
            i += Character.charCount(c);
            boolean kept = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '_' || c == '.' || c == '-';
            name.append(kept ? (char) c : '-');
        }
        return name.isEmpty() ? null : truncate(name.toString(), 100);
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private void trimReassignments() {
        while (reassignments.size() > settings.reassignmentHistory()) {
            reassignments.removeFirst();
        }
    }

    private static void await(CompletableFuture<Void> commit) {
        try {
            commit.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof StateReadOnlyException readOnly) {
                throw new EngineException(Reason.STATE_READ_ONLY, readOnly.getMessage(), readOnly);
            }
            throw new EngineException(Reason.STORE_UNAVAILABLE, "the change could not be saved, so it was not made: "
                    + cause.getMessage(), cause);
        }
    }
}
