package io.styxy.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.styxy.api.Protocol;
import io.styxy.server.engine.Instance;
import io.styxy.server.engine.Lease;
import io.styxy.server.engine.LeaseStore;
import io.styxy.server.engine.Owner;
import io.styxy.server.engine.Reassignment;
import io.styxy.server.engine.StateReadOnlyException;
import io.styxy.server.engine.StoreChange;
import io.styxy.server.engine.StoreUnavailableException;
import io.styxy.server.json.JsonValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Leases, instances and reassignments in an embedded SQLite database (WAL).
 *
 * <p>Callers queue batches. Whoever finds the database idle commits at once, on its own thread, everything queued in
 * one transaction (group commit), so a lone request costs no thread hand-off. Batches that arrive while a commit is
 * running are left to the writer thread, which is woken when that commit ends and commits them together; no caller
 * ever commits more than once for others. A batch is acknowledged only after its commit, so a crash at any instant
 * loses no acknowledged change.
 *
 * <p>A database that cannot be opened or fails its integrity check is moved aside (never deleted) and a new one is
 * started.
 */
public final class SqliteLeaseStore implements LeaseStore {

    private static final Logger LOG = Logger.getLogger(SqliteLeaseStore.class.getName());
    private static final int SCHEMA_VERSION = 1;
    private static final int MAX_BATCHES_PER_COMMIT = 1024;
    private static final int KEPT_REASSIGNMENTS = 10_000;
    private static final int SAFETY_CHECKPOINT_PAGES = 8_000;
    // An upsert on the lock id only: a second lease on a taken port violates UNIQUE(port) and fails, where
    // INSERT OR REPLACE would silently delete the other lease.
    private static final String UPSERT_LEASE = "INSERT INTO leases VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            + " ON CONFLICT(lock_id) DO UPDATE SET port=excluded.port, protocol=excluded.protocol,"
            + " service_type=excluded.service_type, service_name=excluded.service_name,"
            + " project_path=excluded.project_path, instance_id=excluded.instance_id, owner_pid=excluded.owner_pid,"
            + " owner_start=excluded.owner_start, origin=excluded.origin, created_at=excluded.created_at,"
            + " renewed_at=excluded.renewed_at, user_agent=excluded.user_agent, remote_ip=excluded.remote_ip";

    private record Batch(List<StoreChange> changes, CompletableFuture<Void> done) {
    }


    private final Path file;
    private final Durability durability;
    /** Guards {@link #connection}, which is replaced when a failed transaction cannot be rolled back. */
    private final Object dbLock = new Object();
    private Connection connection;
    private final Map<String, PreparedStatement> statements = new java.util.HashMap<>();
    private final BlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
    /** Held by whoever commits: a caller that found the database idle, or the writer thread. */
    private final ReentrantLock committing = new ReentrantLock();
    private final Thread writer;
    private final WalCheckpointer checkpointer;
    private final Path movedAside;
    private volatile boolean closed;
    /** Set under {@link #committing} once the last commit ran; later batches are refused. */
    private volatile boolean stopped;

    private SqliteLeaseStore(Path file, Durability durability, Connection connection, Path movedAside) {
        this.durability = durability;
        this.file = file;
        this.connection = connection;
        this.movedAside = movedAside;
        this.checkpointer = new WalCheckpointer(file, durability == Durability.NORMAL,
                WalCheckpointer.QUIET_CHECKPOINT, committing, this::handQueuedToWriter);
        this.writer = Thread.ofPlatform().name("styxy-store-writer").daemon(true).unstarted(this::writerLoop);
        this.writer.start();
    }

    /**
     * Opens (or creates) the database at {@code file}. A corrupt or unreadable file is renamed to
     * {@code <name>.corrupt-<timestamp>} with its WAL, and a fresh database takes its place.
     */
    public static SqliteLeaseStore open(Path file, Durability durability) {
        Path aside = null;
        try {
            return new SqliteLeaseStore(file, durability, connect(file, durability), null);
        } catch (SQLException | IOException e) {
            aside = moveAside(file);
            LOG.log(Level.WARNING, "styxy: the database " + file + " could not be used (" + e.getMessage()
                    + "); it was moved to " + aside + " and a new one was started");
        }
        try {
            return new SqliteLeaseStore(file, durability, connect(file, durability), aside);
        } catch (SQLException | IOException e) {
            throw new StoreUnavailableException("cannot create the database " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the database at {@code file} once, writing nothing beside it, for a state directory on a read-only file
     * system: the store keeps that snapshot and answers every change with a {@link StateReadOnlyException} saying
     * {@code refusal}. No file is a ledger without leases; a damaged one is an error, since it cannot be moved aside.
     *
     * <p>SQLite opens a WAL database read-only only when its {@code -wal} and {@code -shm} files exist or can be
     * created, or when it is told the file is immutable, which makes it ignore the {@code -wal} (see "Read-Only
     * Databases" in SQLite's WAL documentation). So: {@code mode=ro} first (it reads an existing WAL, e.g. after a
     * crash); when that cannot open and no WAL holds anything (a clean stop checkpoints and removes it),
     * {@code immutable=1}; when a WAL with content is there but cannot be used in place, the database and its WAL
     * are copied to a private temporary directory and read there, so no committed change is missed.
     */
    public static LeaseStore openReadOnly(Path file, String refusal) {
        ReadOnlyRead read = readOnlySnapshot(file);
        LOG.info("styxy: read " + read.snapshot().leases().size() + " leases from " + file + " " + read.how());
        return new ReadOnlyLeaseStore(read.snapshot(), refusal);
    }

    /** SQLite's write-ahead log beside {@code database}. */
    static Path walOf(Path database) {
        return database.resolveSibling(database.getFileName() + "-wal");
    }

    /** What a read-only open read, and how. */
    record ReadOnlyRead(Snapshot snapshot, String how) {
    }

    static ReadOnlyRead readOnlySnapshot(Path file) {
        if (Files.notExists(file)) {
            return new ReadOnlyRead(Snapshot.empty(), "(no database: no leases)");
        }
        Path wal = walOf(file);
        boolean walHasContent;
        try {
            walHasContent = Files.exists(wal) && Files.size(wal) > 0;
        } catch (IOException e) {
            walHasContent = true;
        }
        String uri = file.toAbsolutePath().toUri().toString();
        SQLException inPlace;
        try {
            return new ReadOnlyRead(readOnlySnapshot(file, "jdbc:sqlite:" + uri + "?mode=ro"), "in place (mode=ro)");
        } catch (SQLException e) {
            inPlace = e;
        }
        if (!walHasContent) {
            try {
                return new ReadOnlyRead(readOnlySnapshot(file, "jdbc:sqlite:" + uri + "?mode=ro&immutable=1"),
                        "in place (immutable=1: no write-ahead log to miss)");
            } catch (SQLException e) {
                throw unreadable(file, e);
            }
        }
        Path copy = null;
        try {
            copy = Files.createTempDirectory("styxy-ro-");
            Path db = copy.resolve(file.getFileName());
            Files.copy(file, db);
            Files.copy(wal, walOf(db));
            return new ReadOnlyRead(readOnlySnapshot(file, "jdbc:sqlite:" + db.toAbsolutePath()),
                    "from a private copy with its write-ahead log (it could not be read in place: "
                            + inPlace.getMessage() + ")");
        } catch (SQLException | IOException e) {
            StoreUnavailableException failure = unreadable(file, e);
            failure.addSuppressed(inPlace);
            throw failure;
        } finally {
            deleteTree(copy);
        }
    }

    private static Snapshot readOnlySnapshot(Path file, String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
                String verdict = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equals(verdict)) {
                    throw new StoreUnavailableException("the database " + file + " fails its integrity check ("
                            + verdict + ") and its directory is read-only, so it cannot be moved aside and"
                            + " replaced; make the directory writable and restart the daemon", null);
                }
            }
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new StoreUnavailableException("the database " + file + " has schema " + version
                        + ", newer than this daemon understands (" + SCHEMA_VERSION + ")", null);
            }
            return version < 1 ? Snapshot.empty() : snapshot(c);
        }
    }

    private static StoreUnavailableException unreadable(Path file, Exception e) {
        return new StoreUnavailableException("cannot read the database " + file + " on a read-only file system: "
                + e.getMessage(), e);
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "styxy: cannot remove the temporary copy " + dir + ": " + e.getMessage());
        }
    }

    /** Where a corrupt database was moved at open, or {@code null}. */
    public Path movedAside() {
        return movedAside;
    }

    public Path file() {
        return file;
    }

    /** Checkpoints run by the background checkpointer so far. */
    long backgroundCheckpoints() {
        return checkpointer.checkpoints();
    }

    /**
     * The writer's driver settings. Without {@code jdbc.get_generated_keys=false}, sqlite-jdbc follows every INSERT
     * with a new statement running {@code SELECT last_insert_rowid()} (found in an allocation profile of the conflict
     * path); nothing here reads generated keys.
     */
    static Properties writerProperties() {
        Properties properties = new Properties();
        properties.setProperty("jdbc.get_generated_keys", "false");
        return properties;
    }

    private static Connection connect(Path file, Durability durability) throws SQLException, IOException {
        if (Files.notExists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), writerProperties());
        try {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=5000");
                try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
                    String verdict = rs.next() ? rs.getString(1) : "no answer";
                    if (!"ok".equals(verdict)) {
                        throw new SQLException("integrity check failed: " + verdict);
                    }
                }
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=" + (durability == Durability.FULL ? "FULL" : "NORMAL"));
                // Checkpoints run on their own thread (WalCheckpointer), not inside a commit. SQLite's own stays as a
                // safety net far above the background's rhythm: should that thread ever fall behind, the WAL
                // still cannot grow past about 32 MB.
                s.execute("PRAGMA wal_autocheckpoint=" + SAFETY_CHECKPOINT_PAGES);
                s.execute("PRAGMA journal_size_limit=" + (16L << 20));
                migrate(s);
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /** Schema migrations, keyed by {@code PRAGMA user_version}. Add a step; never edit an old one. */
    private static void migrate(Statement s) throws SQLException {
        int version;
        try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > SCHEMA_VERSION) {
            throw new SQLException("database schema " + version + " is newer than this daemon understands ("
                    + SCHEMA_VERSION + ")");
        }
        if (version < 1) {
            s.execute("""
                    CREATE TABLE IF NOT EXISTS leases (
                      lock_id TEXT PRIMARY KEY, port INTEGER NOT NULL UNIQUE, protocol TEXT NOT NULL,
                      service_type TEXT NOT NULL, service_name TEXT NOT NULL, project_path TEXT NOT NULL,
                      instance_id TEXT NOT NULL, owner_pid INTEGER, owner_start INTEGER, origin TEXT NOT NULL,
                      created_at INTEGER NOT NULL, renewed_at INTEGER NOT NULL, user_agent TEXT NOT NULL,
                      remote_ip TEXT NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS instances (
                      instance_id TEXT PRIMARY KEY, working_directory TEXT NOT NULL, metadata TEXT NOT NULL,
                      registered_at INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS reassignments (
                      id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, command TEXT NOT NULL, asked_port INTEGER NOT NULL,
                      given_port INTEGER NOT NULL, service_type TEXT NOT NULL, lock_id TEXT NOT NULL,
                      at INTEGER NOT NULL)""");
            s.execute("PRAGMA user_version=1");
        }
    }

    private static Path moveAside(Path file) {
        String stamp = DateTimeFormatter.ISO_INSTANT.format(Instant.now()).replace(':', '-');
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + stamp);
        for (String suffix : new String[]{"", "-wal", "-shm"}) {
            Path source = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(source)) {
                try {
                    Files.move(source, aside.resolveSibling(aside.getFileName() + suffix),
                            StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new StoreUnavailableException("cannot move the unusable database " + source + " aside: "
                            + e.getMessage(), e);
                }
            }
        }
        return aside;
    }

    // ------------------------------------------------------------------ reading

    @Override
    public Snapshot load() {
        synchronized (dbLock) {
            try {
                return snapshot(connection);
            } catch (SQLException e) {
                throw new StoreUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
            } finally {
                try {
                    connection.commit();
                } catch (SQLException ignored) {
                    // a read-only transaction; nothing to keep
                }
            }
        }
    }

    private static Snapshot snapshot(Connection connection) throws SQLException {
        return new Snapshot(loadLeases(connection), loadInstances(connection), loadReassignments(connection));
    }

    private static List<Lease> loadLeases(Connection connection) throws SQLException {
        List<Lease> leases = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT lock_id, port, protocol, service_type, service_name, project_path,"
                     + " instance_id, owner_pid, owner_start, origin, created_at, renewed_at, user_agent, remote_ip"
                     + " FROM leases ORDER BY port")) {
            while (rs.next()) {
                long pid = rs.getLong(8);
                Owner owner = rs.wasNull() ? null : new Owner(pid, rs.getLong(9));
                leases.add(new Lease(rs.getString(1), rs.getInt(2), Protocol.fromWireName(rs.getString(3)),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), owner,
                        Lease.Origin.valueOf(rs.getString(10)), Instant.ofEpochMilli(rs.getLong(11)),
                        Instant.ofEpochMilli(rs.getLong(12)), rs.getString(13), rs.getString(14)));
            }
        }
        return leases;
    }

    private static List<Instance> loadInstances(Connection connection) throws SQLException {
        List<Instance> instances = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT instance_id, working_directory, metadata, registered_at,"
                     + " last_heartbeat FROM instances")) {
            while (rs.next()) {
                instances.add(new Instance(rs.getString(1), rs.getString(2), metadataOf(rs.getString(3)),
                        Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5))));
            }
        }
        return instances;
    }

    private static List<Reassignment> loadReassignments(Connection connection) throws SQLException {
        List<Reassignment> list = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, pid, command, asked_port, given_port, service_type, lock_id,"
                     + " at FROM reassignments ORDER BY id DESC LIMIT " + KEPT_REASSIGNMENTS)) {
            while (rs.next()) {
                list.add(new Reassignment(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getInt(4), rs.getInt(5),
                        rs.getString(6), rs.getString(7), Instant.ofEpochMilli(rs.getLong(8))));
            }
        }
        return list.reversed();
    }

    /** An instance's stored metadata; empty when the column holds no JSON object (it is only ever written as one). */
    private static Map<String, Object> metadataOf(String json) {
        try {
            Map<String, Object> metadata = json == null ? null : JsonValues.asObject(JsonValues.parse(json));
            return metadata == null ? Map.of() : metadata;
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    // ------------------------------------------------------------------ writing

    @Override
    public CompletableFuture<Void> submit(List<StoreChange> changes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new StoreUnavailableException("the store is closed", null));
            return done;
        }
        queue.add(new Batch(List.copyOf(changes), done));
        commitIfIdle();
        // Anything queued meanwhile (a caller whose tryLock failed while we committed) goes to the writer.
        handQueuedToWriter();
        return done;
    }

    /** Commits what is queued if nobody else is committing (and the checkpointer is not waiting to); false if not. */
    private boolean commitIfIdle() {
        if (!checkpointer.mayCommit() || !committing.tryLock()) {
            return false;
        }
        try {
            commitQueued();
            return true;
        } finally {
            committing.unlock();
        }
    }

    /** After someone else held {@link #committing}: batches that queued meanwhile go to the writer. */
    private void handQueuedToWriter() {
        if (!queue.isEmpty()) {
            LockSupport.unpark(writer);
        }
    }

    /** Woken whenever a commit ends with batches left over; commits until the queue is empty. */
    private void writerLoop() {
        while (!stopped) {
            LockSupport.park(this);
            while (!queue.isEmpty() && commitIfIdle()) {
                // one group commit per round; the loop ends when the queue is empty or someone else commits
            }
        }
    }

    /** Holding {@link #committing}: one transaction for what is queued now. */
    private void commitQueued() {
        List<Batch> batches = new ArrayList<>();
        queue.drainTo(batches, MAX_BATCHES_PER_COMMIT);
        if (batches.isEmpty()) {
            return;
        }
        try {
            if (stopped) {
                throw new StoreUnavailableException("the store is closed", null);
            }
            commit(batches);
        } catch (RuntimeException | Error e) {
            // Nobody may be left waiting: whatever went wrong, every batch gets an answer.
            StoreUnavailableException failure = e instanceof StoreUnavailableException u ? u
                    : new StoreUnavailableException("the store failed: " + e, e);
            batches.forEach(b -> b.done().completeExceptionally(failure));
        }
    }

    /** One transaction for all; if it fails, each batch alone, so one bad batch cannot sink the others. */
    private void commit(List<Batch> batches) {
        synchronized (dbLock) {
            try {
                for (Batch batch : batches) {
                    apply(batch.changes());
                }
                connection.commit();
                checkpointer.committed();
                batches.forEach(b -> b.done().complete(null));
                return;
            } catch (SQLException e) {
                recover();
            }
            for (Batch batch : batches) {
                try {
                    if (!applied(batch.changes())) {
                        apply(batch.changes());
                        connection.commit();
                        checkpointer.committed();
                    }
                    batch.done().complete(null);
                } catch (SQLException e) {
                    recover();
                    // A commit can report an error after its changes reached the database (the disk filled up
                    // right after the commit record): ask the database what is true before answering.
                    if (appliedQuietly(batch.changes())) {
                        batch.done().complete(null);
                    } else {
                        batch.done().completeExceptionally(unavailable(e));
                    }
                }
            }
        }
    }

    /** Rolls back the failed transaction; if even that fails, opens a fresh connection so nothing half-done stays. */
    private void recover() {
        try {
            connection.rollback();
            return;
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "styxy: rollback failed (" + e.getMessage() + "); reopening " + file);
        }
        closeStatements();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // it is being replaced
        }
        try {
            connection = connect(file, durability);
        } catch (SQLException | IOException e) {
            LOG.log(Level.WARNING, "styxy: cannot reopen " + file + ": " + e.getMessage());
        }
    }

    /**
     * The writer's statements, prepared once per connection: preparing one for every change was a fifth of the
     * writer's time under load.
     */
    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = connection.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    private void closeStatements() {
        for (PreparedStatement p : statements.values()) {
            try {
                p.close();
            } catch (SQLException ignored) {
                // the connection goes too
            }
        }
        statements.clear();
    }

    private boolean appliedQuietly(List<StoreChange> changes) {
        try {
            boolean applied = applied(changes);
            connection.commit();
            return applied;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Whether every change is already in the database, exactly. */
    private boolean applied(List<StoreChange> changes) throws SQLException {
        for (StoreChange change : changes) {
            boolean present = switch (change) {
                case StoreChange.LeaseSaved(Lease l) -> exists("SELECT 1 FROM leases WHERE lock_id = ? AND port = ?"
                        + " AND renewed_at = ?", l.lockId(), l.port(), l.renewedAt().toEpochMilli());
                case StoreChange.LeaseDeleted(String id) -> !exists("SELECT 1 FROM leases WHERE lock_id = ?", id);
                case StoreChange.InstanceSaved(Instance i) -> exists("SELECT 1 FROM instances WHERE instance_id = ?"
                        + " AND last_heartbeat = ?", i.instanceId(), i.lastHeartbeat().toEpochMilli());
                case StoreChange.InstanceDeleted(String id) -> !exists(
                        "SELECT 1 FROM instances WHERE instance_id = ?", id);
                case StoreChange.ReassignmentSaved(Reassignment r) -> exists(
                        "SELECT 1 FROM reassignments WHERE id = ?", r.id());
            };
            if (!present) {
                return false;
            }
        }
        return true;
    }

    private boolean exists(String sql, Object... args) throws SQLException {
        try (PreparedStatement p = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                return rs.next();
            }
        }
    }

    private StoreUnavailableException unavailable(SQLException e) {
        return new StoreUnavailableException("cannot write " + file + ": " + e.getMessage(), e);
    }

    private void apply(List<StoreChange> changes) throws SQLException {
        for (StoreChange change : changes) {
            switch (change) {
                case StoreChange.LeaseSaved(Lease l) -> {
                    PreparedStatement p = statement(UPSERT_LEASE);
                    p.setString(1, l.lockId());
                    p.setInt(2, l.port());
                    p.setString(3, l.protocol().wireName());
                    p.setString(4, l.serviceType());
                    p.setString(5, l.serviceName());
                    p.setString(6, l.projectPath());
                    p.setString(7, l.instanceId());
                    if (l.owner() == null) {
                        p.setNull(8, java.sql.Types.INTEGER);
                        p.setNull(9, java.sql.Types.INTEGER);
                    } else {
                        p.setLong(8, l.owner().pid());
                        p.setLong(9, l.owner().startTime());
                    }
                    p.setString(10, l.origin().name());
                    p.setLong(11, l.createdAt().toEpochMilli());
                    p.setLong(12, l.renewedAt().toEpochMilli());
                    p.setString(13, l.userAgent());
                    p.setString(14, l.remoteIp());
                    p.executeUpdate();
                }
                case StoreChange.LeaseDeleted(String lockId) -> {
                    PreparedStatement p = statement("DELETE FROM leases WHERE lock_id = ?");
                    p.setString(1, lockId);
                    p.executeUpdate();
                }
                case StoreChange.InstanceSaved(Instance i) -> {
                    PreparedStatement p = statement("INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?)");
                    p.setString(1, i.instanceId());
                    p.setString(2, i.workingDirectory());
                    p.setString(3, JsonValues.text(i.metadata()));
                    p.setLong(4, i.registeredAt().toEpochMilli());
                    p.setLong(5, i.lastHeartbeat().toEpochMilli());
                    p.executeUpdate();
                }
                case StoreChange.InstanceDeleted(String id) -> {
                    PreparedStatement p = statement("DELETE FROM instances WHERE instance_id = ?");
                    p.setString(1, id);
                    p.executeUpdate();
                }
                case StoreChange.ReassignmentSaved(Reassignment r) -> {
                    PreparedStatement p = statement(
                            "INSERT OR REPLACE INTO reassignments VALUES (?,?,?,?,?,?,?,?)");
                    p.setLong(1, r.id());
                    p.setLong(2, r.pid());
                    p.setString(3, r.command());
                    p.setInt(4, r.askedPort());
                    p.setInt(5, r.givenPort());
                    p.setString(6, r.serviceType());
                    p.setString(7, r.lockId());
                    p.setLong(8, r.at().toEpochMilli());
                    p.executeUpdate();
                    if (r.id() % 1000 == 0) {
                        PreparedStatement prune = statement("DELETE FROM reassignments WHERE id <= ?");
                        prune.setLong(1, r.id() - KEPT_REASSIGNMENTS);
                        prune.executeUpdate();
                    }
                }
            }
        }
    }

    /** Commits what is queued, then closes the database. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        committing.lock();
        try {
            commitQueued(); // what was queued before closed was set
            stopped = true;
            commitQueued(); // a submit that raced with close: answered "closed", never left waiting
        } finally {
            committing.unlock();
        }
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpointer.close();
        synchronized (dbLock) {
            try {
                closeStatements();
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "styxy: closing the database failed: " + e.getMessage());
            }
        }
    }
}
