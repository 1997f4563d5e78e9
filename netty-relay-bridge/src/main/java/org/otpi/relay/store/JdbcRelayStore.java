package org.otpi.relay.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The JDBC part shared by the SQLite and PostgreSQL stores.
 *
 * <p>Writes go through one queue to one writer thread, which drains up to {@link #MAX_BATCH}
 * operations and commits them in one transaction (group commit; body in {@link WriteTransaction}).
 * If a batch fails for a reason of its own it is rolled back and each operation retried in its
 * own transaction, so one bad operation cannot fail its neighbours.
 *
 * <p>Database faults: connections come from HikariCP pools (one connection for the writer, a
 * few for readers) that validate them and open new ones. When the writer loses its connection
 * it waits and retries the batch on a new one until the operations' deadline. A batch whose
 * COMMIT was cut off may or may not have committed; each attempt first claims the batch's id in
 * {@code relay_commits}, so the next attempt either finds that the earlier one committed (and
 * reports its results) or applies the batch itself: never twice. A read that fails on a dead
 * connection is retried once on a fresh one.
 */
abstract class JdbcRelayStore implements RelayStore {
    static final int MAX_BATCH = 512;
    static final long WRITE_TIMEOUT_MILLIS = 30_000;
    /** Bytes of contents loaded at a time when pushing a range to listeners. */
    static final long PUSH_CHUNK_BYTES = 1 << 20;

    final Dialect dialect;
    private final String name;
    private final BlockingQueue<WriteOp<?>> queue = new LinkedBlockingQueue<>(100_000);
    private final HikariDataSource writerPool;
    private final HikariDataSource readPool;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Thread writer;
    private volatile boolean closed;
    private volatile boolean writerHealthy = true;
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();

    private record Listener(java.util.function.BooleanSupplier anyone, Predicate<String> wanted,
                            Consumer<List<StoredMessage>> consumer) {
    }

    /** Opens a connection with the store's settings. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    JdbcRelayStore(Dialect dialect, ConnectionFactory factory, int readConnections, String name) {
        this(dialect, factory, factory, readConnections, name);
    }

    /** @param schemaFactory the connection that creates or migrates the schema (no statement timeout) */
    JdbcRelayStore(Dialect dialect, ConnectionFactory schemaFactory, ConnectionFactory factory, int readConnections, String name) {
        this.dialect = dialect;
        this.name = name;
        try (Connection c = schemaFactory.open()) {
            Schema.apply(c, dialect);
        } catch (SQLException e) {
            throw new RelayStoreException("cannot open " + name + " store", e);
        }
        this.writerPool = pool(dialect, factory, "relay-" + name + "-writer", 1, false);
        this.readPool = pool(dialect, factory, "relay-" + name + "-readers", readConnections, true);
        this.writer = new Thread(this::writeLoop, "relay-store-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private static HikariDataSource pool(Dialect dialect, ConnectionFactory factory, String poolName, int size,
                                         boolean autoCommit) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(poolName);
        hc.setDataSource(new FactoryDataSource(factory));
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(size);
        hc.setAutoCommit(autoCommit);
        hc.setTransactionIsolation(dialect.isolation);
        hc.setConnectionTimeout(2_000);
        hc.setValidationTimeout(1_000);
        hc.setKeepaliveTime(30_000);
        hc.setMaxLifetime(30 * 60_000);
        hc.setInitializationFailTimeout(-1); // start even if the database is away right now
        return new HikariDataSource(hc);
    }

    /** Called inside the append transaction after the rows are inserted (PostgreSQL: NOTIFY). */
    void appendedInTransaction(Connection c, long firstRef, long lastRef) throws SQLException {
    }

    // ---------------------------------------------------------------- writes

    @Override
    public boolean createAccount(String uid, byte[] tokenHash, long nowMillis) {
        return submit(new WriteOp.CreateAccount(WRITE_TIMEOUT_MILLIS, uid, tokenHash, nowMillis));
    }

    @Override
    public Registration.Outcome register(Registration registration) {
        return submit(new WriteOp.Register(WRITE_TIMEOUT_MILLIS, registration));
    }

    @Override
    public void addInvites(Collection<byte[]> codeHashes, long nowMillis, long expiresMillis) {
        if (!codeHashes.isEmpty()) {
            submit(new WriteOp.AddInvites(WRITE_TIMEOUT_MILLIS, codeHashes, nowMillis, expiresMillis));
        }
    }

    @Override
    public List<StoredMessage> append(String sender, List<String> recipients, String contents, long nowMillis) {
        if (recipients.isEmpty()) {
            return List.of();
        }
        return submit(new WriteOp.Append(WRITE_TIMEOUT_MILLIS, AppendRequest.unchecked(sender, recipients, contents, nowMillis)))
                .stored();
    }

    @Override
    public CompletableFuture<AppendResult> appendAsync(AppendRequest request) {
        if (request.recipients().isEmpty()) {
            return CompletableFuture.completedFuture(new AppendResult(AppendResult.Outcome.STORED, List.of(), List.of()));
        }
        WriteOp.Append op = new WriteOp.Append(WRITE_TIMEOUT_MILLIS, request);
        if (closed || !queue.offer(op)) {
            return CompletableFuture.failedFuture(new RelayStoreException(closed ? "store closed" : "write queue full"));
        }
        return op.result;
    }

    @Override
    public int ack(String recipient, Collection<Long> refs) {
        if (refs.isEmpty()) {
            return 0;
        }
        return submit(new WriteOp.Ack(WRITE_TIMEOUT_MILLIS, recipient, refs));
    }

    @Override
    public CompletableFuture<Integer> ackAsync(String recipient, Collection<Long> refs) {
        if (refs.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        WriteOp.Ack op = new WriteOp.Ack(WRITE_TIMEOUT_MILLIS, recipient, refs);
        if (closed || !queue.offer(op)) {
            return CompletableFuture.failedFuture(new RelayStoreException(closed ? "store closed" : "write queue full"));
        }
        return op.result;
    }

    @Override
    public void touch(Collection<String> uids, long nowMillis) {
        if (!uids.isEmpty()) {
            submit(new WriteOp.Touch(WRITE_TIMEOUT_MILLIS, uids, nowMillis));
        }
    }

    @Override
    public int purgeOlderThan(long cutoffMillis) {
        return submit(new WriteOp.Purge(WRITE_TIMEOUT_MILLIS, cutoffMillis));
    }

    @Override
    public int purgeIdempotencyKeys(long cutoffMillis) {
        return submit(new WriteOp.PurgeKeys(WRITE_TIMEOUT_MILLIS, cutoffMillis, System.currentTimeMillis()));
    }

    private <T> T submit(WriteOp<T> op) {
        if (closed) {
            throw new RelayStoreException("store closed");
        }
        try {
            if (!queue.offer(op, WRITE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new RelayStoreException("write queue full");
            }
            // the writer fails the op at its deadline; the extra second only covers a stuck writer
            return op.result.get(WRITE_TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayStoreException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RelayStoreException rse) {
                throw rse;
            }
            throw new RelayStoreException("write failed", cause);
        } catch (TimeoutException e) {
            op.result.completeExceptionally(new RelayStoreException("write timed out"));
            throw new RelayStoreException("write timed out", e);
        }
    }

    private void writeLoop() {
        List<WriteOp<?>> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                WriteOp<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                boolean stop = batch.removeIf(op -> op instanceof WriteOp.Poison);
                List<WriteOp<?>> grouped = new ArrayList<>();
                List<WriteOp<?>> solo = new ArrayList<>();
                for (WriteOp<?> op : batch) {
                    (op.grouped() ? grouped : solo).add(op);
                }
                if (!grouped.isEmpty()) {
                    commitWithRetry(grouped);
                }
                for (WriteOp<?> op : solo) {
                    commitWithRetry(new ArrayList<>(List.of(op)));
                }
                batch.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                batch.forEach(op -> op.result.completeExceptionally(new RelayStoreException("store closed")));
                return;
            } catch (RuntimeException e) {
                org.tinylog.Logger.error(e, "relay store writer: unexpected failure");
                batch.forEach(op -> op.result.completeExceptionally(new RelayStoreException("write failed", e)));
                batch.clear();
            }
        }
    }

    /** How one attempt at a transaction ended. */
    private enum Ending { COMMITTED, OWN_FAULT, CONNECTION_LOST, COMMIT_CUT_OFF, EARLIER_ATTEMPT_COMMITTED }

    /**
     * Commits {@code ops} in one transaction, retrying on a new connection while the database is
     * away, until each op's deadline. Runs on the writer thread.
     */
    private void commitWithRetry(List<WriteOp<?>> ops) throws InterruptedException {
        String batchId = UUID.randomUUID().toString();
        Map<Integer, WriteTransaction> cutOff = new HashMap<>();
        long backoff = 50;
        for (int attempt = 1; ; attempt++) {
            long now = System.nanoTime();
            for (WriteOp<?> op : ops) {
                if (op.expired(now) && !op.result.isDone()) {
                    op.result.completeExceptionally(new RelayStoreException(cutOff.isEmpty()
                            ? "store unavailable" : "store unavailable; outcome of the last commit unknown"));
                }
            }
            ops.removeIf(op -> op.result.isDone());
            if (ops.isEmpty()) {
                return;
            }
            Attempt a = attempt(ops, batchId, attempt);
            switch (a.ending) {
                case COMMITTED -> {
                    writerHealthy = true;
                    finish(ops, a.tx);
                    return;
                }
                case EARLIER_ATTEMPT_COMMITTED -> {
                    writerHealthy = true;
                    WriteTransaction earlier = cutOff.get(a.earlierAttempt);
                    if (earlier == null) {
                        ops.forEach(op -> op.result.completeExceptionally(new RelayStoreException("batch outcome lost")));
                    } else {
                        org.tinylog.Logger.info("relay store: a commit cut off by a lost connection had succeeded; not applied again");
                        finish(ops, earlier);
                    }
                    return;
                }
                case OWN_FAULT -> {
                    writerHealthy = true;
                    if (ops.size() == 1) {
                        ops.get(0).result.completeExceptionally(new RelayStoreException("write failed", a.error));
                    } else {
                        // this attempt held the batch id, so no earlier attempt committed: safe to split
                        for (WriteOp<?> op : ops) {
                            commitWithRetry(new ArrayList<>(List.of(op)));
                        }
                    }
                    return;
                }
                case COMMIT_CUT_OFF, CONNECTION_LOST -> {
                    if (a.ending == Ending.COMMIT_CUT_OFF) {
                        cutOff.put(attempt, a.tx);
                    }
                    if (writerHealthy) {
                        org.tinylog.Logger.warn("relay store: {} writer lost its database connection ({}); retrying",
                                name, a.error == null ? "?" : a.error.getMessage());
                    }
                    writerHealthy = false;
                    if (closed && attempt > 3) {
                        ops.forEach(op -> op.result.completeExceptionally(new RelayStoreException("store closed")));
                        return;
                    }
                    Thread.sleep(backoff);
                    backoff = Math.min(1_000, backoff * 2);
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    private record Attempt(Ending ending, WriteTransaction tx, SQLException error, int earlierAttempt) {
    }

    private Attempt attempt(List<WriteOp<?>> ops, String batchId, int attemptNo) {
        Connection c = null;
        WriteTransaction tx = null;
        boolean committing = false;
        try {
            c = writerPool.getConnection();
            Integer earlier = WriteTransaction.claimBatch(c, batchId, attemptNo, System.currentTimeMillis());
            if (earlier != null) {
                c.rollback();
                return new Attempt(Ending.EARLIER_ATTEMPT_COMMITTED, null, null, earlier);
            }
            tx = new WriteTransaction(c, dialect, ops);
            tx.run();
            if (!tx.appended.isEmpty()) {
                appendedInTransaction(c, tx.appended.get(0).ref(), tx.appended.get(tx.appended.size() - 1).ref());
            }
            if (!tx.changed) {
                // nothing to keep (say, every send refused for a full inbox): no commit, no fsync
                c.rollback();
                return new Attempt(Ending.COMMITTED, tx, null, 0);
            }
            committing = true;
            c.commit();
            return new Attempt(Ending.COMMITTED, tx, null, 0);
        } catch (SQLException e) {
            boolean lost = connectionLost(c, e);
            if (c != null) {
                if (lost) {
                    writerPool.evictConnection(c);
                } else {
                    rollbackQuietly(c);
                }
            }
            if (lost) {
                return new Attempt(committing ? Ending.COMMIT_CUT_OFF : Ending.CONNECTION_LOST, tx, e, 0);
            }
            return new Attempt(Ending.OWN_FAULT, null, e, 0);
        } finally {
            if (c != null) {
                closeQuietly(c);
            }
        }
    }

    private void finish(List<WriteOp<?>> ops, WriteTransaction tx) {
        for (int i = 0; i < ops.size(); i++) {
            ops.get(i).completeWith(tx.results[i]);
        }
        if (!tx.appended.isEmpty()) {
            notifyListeners(tx.appended);
        }
    }

    /**
     * True if the failure is the connection's (or the database's) rather than the statement's:
     * a connection-class SQLState, a server shutting down, or a connection that no longer
     * answers. SQLite's "busy" (another process holds the lock) counts too: try again later.
     */
    static boolean connectionLost(Connection c, SQLException e) {
        if (c == null) {
            return true;
        }
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300"))) {
            return true;
        }
        int code = e.getErrorCode() & 0xff;
        if (state == null && (code == 5 || code == 6 || code == 10)) { // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR
            return true;
        }
        try {
            return c.isClosed() || !c.isValid(1);
        } catch (SQLException x) {
            return true;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            org.tinylog.Logger.debug(e, "relay store rollback failed");
        }
    }

    // ---------------------------------------------------------------- reads

    @FunctionalInterface
    interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    <T> T read(Read<T> body) {
        for (int attempt = 0; ; attempt++) {
            if (closed) {
                throw new RelayStoreException("store closed");
            }
            Connection c = null;
            try {
                c = readPool.getConnection();
                return body.run(c);
            } catch (SQLException e) {
                boolean lost = connectionLost(c, e);
                if (lost && c != null) {
                    readPool.evictConnection(c);
                }
                if (!lost || attempt > 0 || c == null) {
                    throw new RelayStoreException("read failed", e);
                }
            } finally {
                if (c != null) {
                    closeQuietly(c);
                }
            }
        }
    }

    /**
     * A read through the pool, and the writer's state: after the writer lost its connection, a
     * no-op write is queued so that a quiet relay finds out too when writing works again.
     */
    @Override
    public boolean ping() {
        if (closed) {
            return false;
        }
        boolean readable;
        try {
            readable = read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT last_ref FROM relay_meta WHERE id = 1");
                     ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            });
        } catch (RelayStoreException e) {
            readable = false;
        }
        if (!writerHealthy && probing.compareAndSet(false, true)) {
            WriteOp.Probe probe = new WriteOp.Probe(5_000);
            probe.result.whenComplete((v, e) -> probing.set(false));
            if (!queue.offer(probe)) {
                probing.set(false);
            }
        }
        return readable && writerHealthy;
    }

    @Override
    public Optional<byte[]> tokenHash(String uid) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT token_hash FROM accounts WHERE uid = ?")) {
                ps.setString(1, uid);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Two statements on one connection: the sizes of up to {@code limit} queued packages (an
     * index range, no contents), cut where the next would pass {@code maxBytes}; then the
     * contents of exactly that ref range.
     */
    @Override
    public List<StoredMessage> fetch(String recipient, long fromRef, int limit, long maxBytes,
                                     java.util.function.LongPredicate beforeLoading) {
        if (limit <= 0) {
            return List.of();
        }
        return read(c -> {
            long lastRef = -1;
            long bytes = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ref, size FROM queue WHERE recipient = ? AND ref >= ? ORDER BY ref LIMIT ?")) {
                ps.setString(1, recipient);
                ps.setLong(2, fromRef);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long size = rs.getLong(2);
                        if (lastRef >= 0 && bytes + size > maxBytes) {
                            break;
                        }
                        lastRef = rs.getLong(1);
                        bytes += size;
                    }
                }
            }
            if (lastRef < 0) {
                return List.of();
            }
            if (!beforeLoading.test(bytes)) {
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT q.ref, p.sender, q.recipient, p.contents, q.created_at"
                    + " FROM queue q JOIN packages p ON p.id = q.package_id"
                    + " WHERE q.recipient = ? AND q.ref >= ? AND q.ref <= ? ORDER BY q.ref")) {
                ps.setString(1, recipient);
                ps.setLong(2, fromRef);
                ps.setLong(3, lastRef);
                return rows(ps);
            }
        });
    }

    private static List<StoredMessage> rows(PreparedStatement ps) throws SQLException {
        List<StoredMessage> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new StoredMessage(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
            }
        }
        return out;
    }

    @Override
    public long nextRef() {
        return read(c -> lastRef(c) + 1);
    }

    static long lastRef(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT last_ref FROM relay_meta WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("relay_meta row missing");
            }
            return rs.getLong(1);
        }
    }

    @Override
    public Optional<UserRecord> account(String uid) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT uid, last_seen FROM accounts WHERE uid = ?")) {
                ps.setString(1, uid);
                List<UserRecord> r = userRows(ps);
                return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
            }
        });
    }

    @Override
    public List<UserRecord> users(int limit) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT uid, last_seen FROM accounts ORDER BY uid LIMIT ?")) {
                ps.setInt(1, Math.max(0, limit));
                return userRows(ps);
            }
        });
    }

    @Override
    public List<UserRecord> listedUsers(long activeSinceMillis, long registeredSinceMillis, int limit) {
        return read(c -> {
            List<UserRecord> out;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT uid, last_seen FROM accounts WHERE last_seen >= ? ORDER BY last_seen DESC, uid LIMIT ?")) {
                ps.setLong(1, Math.max(1, activeSinceMillis));
                ps.setInt(2, Math.max(0, limit));
                out = userRows(ps);
            }
            if (out.size() < limit) {
                try (PreparedStatement ps = c.prepareStatement("SELECT uid, last_seen FROM accounts"
                        + " WHERE last_seen = 0 AND created_at >= ? ORDER BY created_at DESC, uid LIMIT ?")) {
                    ps.setLong(1, registeredSinceMillis);
                    ps.setInt(2, limit - out.size());
                    out.addAll(userRows(ps));
                }
            }
            return out;
        });
    }

    private static List<UserRecord> userRows(PreparedStatement ps) throws SQLException {
        List<UserRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new UserRecord(rs.getString(1), rs.getLong(2)));
            }
        }
        return out;
    }

    @Override
    public int queued(String recipient) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM queue WHERE recipient = ?")) {
                ps.setString(1, recipient);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public long queuedBytes(String recipient) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT queued_bytes FROM accounts WHERE uid = ?")) {
                ps.setString(1, recipient);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    // ---------------------------------------------------------------- listeners

    @Override
    public void onAppended(Predicate<String> wanted, Consumer<List<StoredMessage>> listener) {
        listeners.add(new Listener(() -> true, wanted, listener));
    }

    @Override
    public void onAppended(java.util.function.BooleanSupplier anyone, Predicate<String> wanted,
                           Consumer<List<StoredMessage>> listener) {
        listeners.add(new Listener(anyone, wanted, listener));
    }

    private void notifyListeners(List<StoredMessage> appended) {
        if (appended.isEmpty()) {
            return;
        }
        for (Listener l : listeners) {
            List<StoredMessage> mine = new ArrayList<>();
            for (StoredMessage m : appended) {
                if (l.wanted.test(m.recipient())) {
                    mine.add(m);
                }
            }
            if (mine.isEmpty()) {
                continue;
            }
            try {
                l.consumer.accept(List.copyOf(mine));
            } catch (RuntimeException e) {
                org.tinylog.Logger.warn(e, "relay store listener failed");
            }
        }
    }

    private boolean anyListenerWants(String recipient) {
        for (Listener l : listeners) {
            if (l.wanted.test(recipient)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the packages with refs in [first, last] (stored by any node) and hands those wanted
     * by a listener to it: heads first (ref, recipient, size), then the contents of the wanted
     * ones in chunks of about {@link #PUSH_CHUNK_BYTES}, so memory stays bounded however long
     * the range is.
     */
    void deliverRange(long first, long last) {
        // Nobody here to push to: a session that connects later reads its backlog itself, after
        // joining, so it cannot miss what is skipped now.
        if (listeners.stream().noneMatch(l -> l.anyone.getAsBoolean())) {
            return;
        }
        long from = first;
        while (from <= last && !closed) {
            long lo = from;
            List<long[]> heads = new ArrayList<>();
            List<String> recipients = new ArrayList<>();
            read(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT ref, recipient, size FROM queue WHERE ref >= ? AND ref <= ? ORDER BY ref LIMIT 5000")) {
                    ps.setLong(1, lo);
                    ps.setLong(2, last);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            heads.add(new long[] {rs.getLong(1), rs.getLong(3)});
                            recipients.add(rs.getString(2));
                        }
                    }
                }
                return null;
            });
            if (heads.isEmpty()) {
                return;
            }
            from = heads.get(heads.size() - 1)[0] + 1;
            List<Long> chunk = new ArrayList<>();
            long bytes = 0;
            for (int i = 0; i < heads.size(); i++) {
                if (!anyListenerWants(recipients.get(i))) {
                    continue;
                }
                if (!chunk.isEmpty() && (bytes + heads.get(i)[1] > PUSH_CHUNK_BYTES || chunk.size() >= Dialect.IN_CHUNK)) {
                    notifyListeners(loadRefs(chunk));
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
                chunk.add(heads.get(i)[0]);
                bytes += heads.get(i)[1];
            }
            if (!chunk.isEmpty()) {
                notifyListeners(loadRefs(chunk));
            }
        }
    }

    private List<StoredMessage> loadRefs(List<Long> refs) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT q.ref, p.sender, q.recipient, p.contents, q.created_at"
                    + " FROM queue q JOIN packages p ON p.id = q.package_id WHERE " + Dialect.inList("q.ref", refs.size())
                    + " ORDER BY q.ref")) {
                Dialect.bindLongs(ps, 1, refs);
                return rows(ps);
            }
        });
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.offer(new WriteOp.Poison());
        try {
            writer.join(WRITE_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
        WriteOp<?> left;
        while ((left = queue.poll()) != null) {
            left.result.completeExceptionally(new RelayStoreException("store closed"));
        }
        writerPool.close();
        readPool.close();
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            org.tinylog.Logger.debug(e, "close failed");
        }
    }

    /** Lets HikariCP open connections through a {@link ConnectionFactory}. */
    private static final class FactoryDataSource implements DataSource {
        private final ConnectionFactory factory;
        private int loginTimeout;

        FactoryDataSource(ConnectionFactory factory) {
            this.factory = factory;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return factory.open();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return factory.open();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
            loginTimeout = seconds;
        }

        @Override
        public int getLoginTimeout() {
            return loginTimeout;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
