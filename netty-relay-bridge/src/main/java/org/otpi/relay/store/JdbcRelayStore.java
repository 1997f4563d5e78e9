package org.otpi.relay.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The JDBC part shared by the SQLite and PostgreSQL stores.
 *
 * <p>Writes go through one queue to one writer thread, which drains up to {@link #MAX_BATCH}
 * operations and commits them in one transaction (group commit): under load, one fsync carries
 * many packages. If a batch fails, it is rolled back and each operation is retried in its own
 * transaction, so one bad operation cannot fail its neighbours.
 *
 * <p>Refs come from the single row of {@code relay_meta}: a batch reserves a block with
 * {@code UPDATE relay_meta SET last_ref = last_ref + n RETURNING last_ref}. The row lock is held
 * until commit, so writers on several nodes commit refs in increasing order.
 *
 * <p>Reads use a small pool of their own connections (SQLite WAL readers do not block the
 * writer).
 */
abstract class JdbcRelayStore implements RelayStore {
    static final int MAX_BATCH = 512;
    private static final long WRITE_TIMEOUT_SECONDS = 30;

    private final BlockingQueue<WriteOp<?>> queue = new LinkedBlockingQueue<>(100_000);
    private final BlockingQueue<Connection> readers;
    private final List<Connection> allReaders = new ArrayList<>();
    private final List<Consumer<List<StoredMessage>>> listeners = new CopyOnWriteArrayList<>();
    private final Connection writeConnection;
    private final Thread writer;
    private volatile boolean closed;

    /** Opens a connection with the store's settings. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection open(boolean forReading) throws SQLException;
    }

    /**
     * @param factory opens connections
     * @param schema idempotent DDL run once at open; must create accounts, messages and the
     *     one-row relay_meta
     */
    JdbcRelayStore(ConnectionFactory factory, List<String> schema, int readConnections, String name) {
        try {
            this.writeConnection = factory.open(false);
            writeConnection.setAutoCommit(true);
            try (Statement st = writeConnection.createStatement()) {
                for (String ddl : schema) {
                    st.execute(ddl);
                }
            }
            writeConnection.setAutoCommit(false);
            this.readers = new ArrayBlockingQueue<>(readConnections);
            for (int i = 0; i < readConnections; i++) {
                Connection c = factory.open(true);
                c.setAutoCommit(true);
                allReaders.add(c);
                readers.add(c);
            }
        } catch (SQLException e) {
            throw new RelayStoreException("cannot open " + name + " store", e);
        }
        this.writer = new Thread(this::writeLoop, "relay-store-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Called inside the append transaction after the rows are inserted (PostgreSQL: NOTIFY). */
    void appendedInTransaction(Connection c, long firstRef, long lastRef) throws SQLException {
    }

    // ---------------------------------------------------------------- writes

    @Override
    public boolean createAccount(String uid, byte[] tokenHash, long nowMillis) {
        return submit(new CreateAccount(uid, tokenHash.clone(), nowMillis));
    }

    @Override
    public List<StoredMessage> append(String sender, List<String> recipients, String contents, long nowMillis) {
        if (recipients.isEmpty()) {
            return List.of();
        }
        return submit(new Append(sender, List.copyOf(recipients), contents, nowMillis));
    }

    @Override
    public CompletableFuture<List<StoredMessage>> appendAsync(String sender, List<String> recipients, String contents,
                                                              long nowMillis) {
        if (recipients.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        Append op = new Append(sender, List.copyOf(recipients), contents, nowMillis);
        if (closed || !queue.offer(op)) {
            return CompletableFuture.failedFuture(new RelayStoreException(closed ? "store closed" : "write queue full"));
        }
        return op.result.orTimeout(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public int ack(String recipient, Collection<Long> refs) {
        if (refs.isEmpty()) {
            return 0;
        }
        return submit(new Ack(recipient, List.copyOf(refs)));
    }

    @Override
    public void touch(Collection<String> uids, long nowMillis) {
        if (!uids.isEmpty()) {
            submit(new Touch(List.copyOf(uids), nowMillis));
        }
    }

    @Override
    public int purgeOlderThan(long cutoffMillis) {
        return submit(new Purge(cutoffMillis));
    }

    private <T> T submit(WriteOp<T> op) {
        if (closed) {
            throw new RelayStoreException("store closed");
        }
        try {
            if (!queue.offer(op, WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new RelayStoreException("write queue full");
            }
            return op.result.get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
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
                if (first == POISON) {
                    return;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                boolean stop = batch.remove(POISON);
                commitBatch(batch);
                batch.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                Logger.error(e, "relay store writer: unexpected failure");
                batch.forEach(op -> op.result.completeExceptionally(e));
                batch.clear();
            }
        }
    }

    private void commitBatch(List<WriteOp<?>> batch) {
        List<StoredMessage> appended = new ArrayList<>();
        try {
            List<Object> results = runInTransaction(batch, appended);
            for (int i = 0; i < batch.size(); i++) {
                complete(batch.get(i), results.get(i));
            }
            notifyListeners(appended);
            return;
        } catch (SQLException e) {
            rollbackQuietly();
            if (batch.size() == 1) {
                batch.get(0).result.completeExceptionally(new RelayStoreException("write failed", e));
                return;
            }
        }
        // Retry one by one so that a single failing operation does not fail the others.
        for (WriteOp<?> op : batch) {
            appended.clear();
            try {
                List<Object> r = runInTransaction(List.of(op), appended);
                complete(op, r.get(0));
                notifyListeners(appended);
            } catch (SQLException e) {
                rollbackQuietly();
                op.result.completeExceptionally(new RelayStoreException("write failed", e));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(WriteOp<T> op, Object value) {
        op.result.complete((T) value);
    }

    private void notifyListeners(List<StoredMessage> appended) {
        if (appended.isEmpty()) {
            return;
        }
        List<StoredMessage> view = List.copyOf(appended);
        for (Consumer<List<StoredMessage>> l : listeners) {
            try {
                l.accept(view);
            } catch (RuntimeException e) {
                Logger.warn(e, "relay store listener failed");
            }
        }
    }

    /** Runs the operations in one transaction and commits; returns one result per operation. */
    private List<Object> runInTransaction(List<WriteOp<?>> ops, List<StoredMessage> appended) throws SQLException {
        Connection c = writeConnection;
        List<Object> results = new ArrayList<>(ops.size());
        int rows = 0;
        for (WriteOp<?> op : ops) {
            if (op instanceof Append a) {
                rows += a.recipients.size();
            }
        }
        long nextRef = 0;
        long firstRef = 0;
        if (rows > 0) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE relay_meta SET last_ref = last_ref + ? WHERE id = 1 RETURNING last_ref")) {
                ps.setLong(1, rows);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("relay_meta row missing");
                    }
                    long last = rs.getLong(1);
                    firstRef = last - rows + 1;
                    nextRef = firstRef;
                }
            }
        }
        PreparedStatement insert = null;
        try {
            for (WriteOp<?> op : ops) {
                if (op instanceof Append a) {
                    if (insert == null) {
                        insert = c.prepareStatement(
                                "INSERT INTO messages(ref, recipient, sender, contents, created_at) VALUES (?,?,?,?,?)");
                    }
                    List<StoredMessage> mine = new ArrayList<>(a.recipients.size());
                    for (String r : a.recipients) {
                        StoredMessage m = new StoredMessage(nextRef++, a.sender, r, a.contents, a.nowMillis);
                        insert.setLong(1, m.ref());
                        insert.setString(2, r);
                        insert.setString(3, a.sender);
                        insert.setString(4, a.contents);
                        insert.setLong(5, a.nowMillis);
                        insert.addBatch();
                        mine.add(m);
                    }
                    appended.addAll(mine);
                    results.add(List.copyOf(mine));
                } else {
                    results.add(runOther(c, op));
                }
            }
            if (insert != null) {
                insert.executeBatch();
            }
        } finally {
            if (insert != null) {
                insert.close();
            }
        }
        if (rows > 0) {
            appendedInTransaction(c, firstRef, nextRef - 1);
        }
        c.commit();
        return results;
    }

    private Object runOther(Connection c, WriteOp<?> op) throws SQLException {
        if (op instanceof CreateAccount ca) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO accounts(uid, token_hash, created_at, last_seen) VALUES (?,?,?,0) ON CONFLICT (uid) DO NOTHING")) {
                ps.setString(1, ca.uid);
                ps.setBytes(2, ca.tokenHash);
                ps.setLong(3, ca.nowMillis);
                return ps.executeUpdate() == 1;
            }
        }
        if (op instanceof Ack ack) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM messages WHERE recipient = ? AND ref = ?")) {
                for (Long ref : ack.refs) {
                    ps.setString(1, ack.recipient);
                    ps.setLong(2, ref);
                    ps.addBatch();
                }
                int n = 0;
                for (int k : ps.executeBatch()) {
                    n += Math.max(k, 0);
                }
                return n;
            }
        }
        if (op instanceof Touch t) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE accounts SET last_seen = ? WHERE uid = ? AND last_seen < ?")) {
                for (String uid : t.uids) {
                    ps.setLong(1, t.nowMillis);
                    ps.setString(2, uid);
                    ps.setLong(3, t.nowMillis);
                    ps.addBatch();
                }
                ps.executeBatch();
                return null;
            }
        }
        if (op instanceof Purge p) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM messages WHERE created_at < ?")) {
                ps.setLong(1, p.cutoffMillis);
                return ps.executeUpdate();
            }
        }
        throw new SQLException("unknown operation");
    }

    private void rollbackQuietly() {
        try {
            writeConnection.rollback();
        } catch (SQLException e) {
            Logger.warn(e, "relay store rollback failed");
        }
    }

    // ---------------------------------------------------------------- reads

    @FunctionalInterface
    interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    <T> T read(Read<T> body) {
        if (closed) {
            throw new RelayStoreException("store closed");
        }
        Connection c;
        try {
            c = readers.poll(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayStoreException("interrupted", e);
        }
        if (c == null) {
            throw new RelayStoreException("no read connection available");
        }
        try {
            return body.run(c);
        } catch (SQLException e) {
            throw new RelayStoreException("read failed", e);
        } finally {
            readers.add(c);
        }
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

    @Override
    public List<StoredMessage> fetch(String recipient, long fromRef, int limit) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ref, sender, recipient, contents, created_at FROM messages"
                            + " WHERE recipient = ? AND ref >= ? ORDER BY ref LIMIT ?")) {
                ps.setString(1, recipient);
                ps.setLong(2, fromRef);
                ps.setInt(3, Math.max(0, limit));
                return rows(ps);
            }
        });
    }

    /** Packages with refs in [first, last], any recipient (cross-node push). */
    List<StoredMessage> fetchRange(long first, long last) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ref, sender, recipient, contents, created_at FROM messages"
                            + " WHERE ref >= ? AND ref <= ? ORDER BY ref")) {
                ps.setLong(1, first);
                ps.setLong(2, last);
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
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT last_ref FROM relay_meta WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("relay_meta row missing");
                }
                return rs.getLong(1) + 1;
            }
        });
    }

    @Override
    public List<UserRecord> users(int limit) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT uid, last_seen FROM accounts ORDER BY uid LIMIT ?")) {
                ps.setInt(1, Math.max(0, limit));
                List<UserRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new UserRecord(rs.getString(1), rs.getLong(2)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public int queued(String recipient) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM messages WHERE recipient = ?")) {
                ps.setString(1, recipient);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public void onAppended(Consumer<List<StoredMessage>> listener) {
        listeners.add(listener);
    }

    /** Delivers packages appended by another node to this node's listeners. */
    void deliverRemote(List<StoredMessage> messages) {
        notifyListeners(messages);
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
        queue.offer(POISON);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(WRITE_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WriteOp<?> left;
        while ((left = queue.poll()) != null) {
            left.result.completeExceptionally(new RelayStoreException("store closed"));
        }
        closeQuietly(writeConnection);
        allReaders.forEach(JdbcRelayStore::closeQuietly);
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            Logger.debug(e, "close failed");
        }
    }

    // ---------------------------------------------------------------- write operations

    private abstract static class WriteOp<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
    }

    private static final WriteOp<Void> POISON = new WriteOp<>() {
    };

    private static final class CreateAccount extends WriteOp<Boolean> {
        final String uid;
        final byte[] tokenHash;
        final long nowMillis;

        CreateAccount(String uid, byte[] tokenHash, long nowMillis) {
            this.uid = uid;
            this.tokenHash = tokenHash;
            this.nowMillis = nowMillis;
        }
    }

    private static final class Append extends WriteOp<List<StoredMessage>> {
        final String sender;
        final List<String> recipients;
        final String contents;
        final long nowMillis;

        Append(String sender, List<String> recipients, String contents, long nowMillis) {
            this.sender = sender;
            this.recipients = recipients;
            this.contents = contents;
            this.nowMillis = nowMillis;
        }
    }

    private static final class Ack extends WriteOp<Integer> {
        final String recipient;
        final List<Long> refs;

        Ack(String recipient, List<Long> refs) {
            this.recipient = recipient;
            this.refs = refs;
        }
    }

    private static final class Touch extends WriteOp<Void> {
        final List<String> uids;
        final long nowMillis;

        Touch(List<String> uids, long nowMillis) {
            this.uids = uids;
            this.nowMillis = nowMillis;
        }
    }

    private static final class Purge extends WriteOp<Integer> {
        final long cutoffMillis;

        Purge(long cutoffMillis) {
            this.cutoffMillis = cutoffMillis;
        }
    }
}
