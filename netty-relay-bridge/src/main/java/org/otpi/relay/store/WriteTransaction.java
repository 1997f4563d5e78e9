package org.otpi.relay.store;

import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The body of one write transaction: runs a batch of {@link WriteOp}s on one connection and
 * computes their results, without committing (the caller commits, and completes the ops only
 * after the commit succeeded).
 *
 * <p>Lock order, the same in every transaction on every node so that nodes never deadlock on
 * each other: first the account rows the batch touches, in uid order, in one statement; then
 * (for appends) the {@code relay_meta} counter row; packages by id. Quotas are then checked and
 * counted in memory against the locked rows and written back once.
 */
final class WriteTransaction {
    private final Connection c;
    private final Dialect d;
    private final List<WriteOp<?>> ops;
    /** Results, one per op, set as the ops run. */
    final Object[] results;
    /** Rows stored by this transaction, in ref order. */
    final List<StoredMessage> appended = new ArrayList<>();
    /** False if the transaction changed nothing (it is then rolled back: no commit, no fsync). */
    boolean changed;

    /** An account row held locked for this transaction; counters changed in memory, written back at the end. */
    private static final class Quota {
        long count;
        long bytes;
        boolean changed;

        Quota(long count, long bytes) {
            this.count = count;
            this.bytes = bytes;
        }
    }

    private final Map<String, Quota> quotas = new HashMap<>();
    private final Map<Long, Integer> packageReleases = new TreeMap<>();

    WriteTransaction(Connection c, Dialect d, List<WriteOp<?>> ops) {
        this.c = c;
        this.d = d;
        this.ops = ops;
        this.results = new Object[ops.size()];
    }

    /**
     * Claims the batch id, first thing in every attempt. If an earlier attempt of the same batch
     * is still in flight on a connection we lost, the insert waits for it to end; if it committed,
     * the id is taken and this returns that attempt's number (its results are the true ones).
     *
     * @return null if this attempt holds the id, else the attempt that committed
     */
    static Integer claimBatch(Connection c, String batchId, int attempt, long nowMillis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO relay_commits(batch_id, attempt, committed_at)"
                + " VALUES (?, ?, ?) ON CONFLICT (batch_id) DO NOTHING")) {
            ps.setString(1, batchId);
            ps.setInt(2, attempt);
            ps.setLong(3, nowMillis);
            if (ps.executeUpdate() == 1) {
                return null;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT attempt FROM relay_commits WHERE batch_id = ?")) {
            ps.setString(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("batch id vanished");
                }
                return rs.getInt(1);
            }
        }
    }

    void run() throws SQLException {
        lockAccounts();
        List<Integer> accepted = new ArrayList<>();
        Map<String, Integer> keyLeaders = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            WriteOp<?> op = ops.get(i);
            if (op instanceof WriteOp.Append a) {
                if (prepareAppend(i, a, keyLeaders)) {
                    accepted.add(i);
                }
            } else if (op instanceof WriteOp.Ack ack) {
                int n = ack(ack);
                changed |= n > 0;
                results[i] = n;
            } else if (op instanceof WriteOp.Touch t) {
                touch(t);
                changed = true;
                results[i] = null;
            } else if (op instanceof WriteOp.CreateAccount ca) {
                results[i] = createAccount(ca.uid, ca.tokenHash, ca.nowMillis);
                changed = true;
            } else if (op instanceof WriteOp.Register r) {
                results[i] = register(r.r);
                changed = true; // the rate bucket was spent even when refused
            } else if (op instanceof WriteOp.Purge p) {
                results[i] = purge(p.cutoffMillis);
                changed = true;
            } else if (op instanceof WriteOp.PurgeKeys p) {
                results[i] = purgeKeys(p.cutoffMillis, p.nowMillis);
                changed = true;
            } else if (op instanceof WriteOp.Probe) {
                results[i] = null;
            } else if (op instanceof WriteOp.AddInvites ai) {
                addInvites(ai);
                changed = true;
                results[i] = null;
            } else {
                throw new SQLException("unknown operation");
            }
        }
        storeAppends(accepted);
        if (!accepted.isEmpty()) {
            changed = true;
        }
        // followers: a second request with the same key in the same batch gets the first one's refs
        for (int i = 0; i < ops.size(); i++) {
            if (results[i] instanceof Follower f) {
                AppendResult lead = (AppendResult) results[f.leader];
                WriteOp.Append me = (WriteOp.Append) ops.get(i);
                WriteOp.Append leader = (WriteOp.Append) ops.get(f.leader);
                if (!MessageDigest.isEqual(me.r.requestHash(), leader.r.requestHash())) {
                    results[i] = AppendResult.refused(AppendResult.Outcome.KEY_REUSED);
                } else if (lead.accepted()) {
                    results[i] = new AppendResult(AppendResult.Outcome.REPLAYED, lead.refs(), List.of());
                } else {
                    results[i] = lead;
                }
            }
        }
        writeBackQuotas();
        releasePackages();
    }

    // ------------------------------------------------------------ locks and quotas

    private void lockAccounts() throws SQLException {
        TreeSet<String> uids = new TreeSet<>();
        for (WriteOp<?> op : ops) {
            if (op instanceof WriteOp.Append a) {
                uids.addAll(a.r.recipients());
            } else if (op instanceof WriteOp.Ack ack) {
                uids.add(ack.recipient);
            } else if (op instanceof WriteOp.Touch t) {
                uids.addAll(t.uids);
            }
        }
        List<String> all = new ArrayList<>(uids);
        for (int from = 0; from < all.size(); from += Dialect.IN_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + Dialect.IN_CHUNK));
            try (PreparedStatement ps = c.prepareStatement("SELECT uid, queued_count, queued_bytes FROM accounts WHERE "
                    + Dialect.inList("uid", chunk.size()) + " ORDER BY uid" + d.forUpdate)) {
                Dialect.bindStrings(ps, 1, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        quotas.put(rs.getString(1), new Quota(rs.getLong(2), rs.getLong(3)));
                    }
                }
            }
        }
    }

    private void writeBackQuotas() throws SQLException {
        List<Map.Entry<String, Quota>> changed = new ArrayList<>();
        for (Map.Entry<String, Quota> e : new TreeMap<>(quotas).entrySet()) {
            if (e.getValue().changed) {
                changed.add(e);
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET queued_count = ?, queued_bytes = ? WHERE uid = ?")) {
            for (Map.Entry<String, Quota> e : changed) {
                ps.setLong(1, Math.max(0, e.getValue().count));
                ps.setLong(2, Math.max(0, e.getValue().bytes));
                ps.setString(3, e.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ------------------------------------------------------------ appends

    /** Marks a later request with the same key in this batch. */
    private record Follower(int leader) {
    }

    /** Checks one append; true if it will be stored. Sets its result unless accepted. */
    private boolean prepareAppend(int i, WriteOp.Append op, Map<String, Integer> keyLeaders) throws SQLException {
        AppendRequest r = op.r;
        boolean claimed = false;
        if (r.idempotencyKey() != null) {
            String k = r.sender() + "\u0000" + r.idempotencyKey();
            Integer leader = keyLeaders.get(k);
            if (leader != null) {
                results[i] = new Follower(leader);
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO idempotency(sender, key, request_hash, refs, created_at)"
                    + " VALUES (?, ?, ?, '', ?) ON CONFLICT (sender, key) DO NOTHING")) {
                ps.setString(1, r.sender());
                ps.setString(2, r.idempotencyKey());
                ps.setBytes(3, r.requestHash());
                ps.setLong(4, r.nowMillis());
                claimed = ps.executeUpdate() == 1;
            }
            if (!claimed) {
                results[i] = earlierSend(r);
                return false;
            }
            keyLeaders.put(k, i);
        }
        AppendResult.Outcome refusal = null;
        String refusedFor = null;
        for (String rcpt : r.recipients()) {
            Quota q = quotas.get(rcpt);
            if (q == null) {
                if (r.requireAccounts()) {
                    refusal = AppendResult.Outcome.UNKNOWN_RECIPIENT;
                    refusedFor = rcpt;
                    break;
                }
            } else if (q.count + 1 > r.maxQueued() || q.bytes + r.size() > r.maxQueuedBytes()) {
                refusal = AppendResult.Outcome.QUEUE_FULL;
                refusedFor = rcpt;
                break;
            }
        }
        if (refusal != null) {
            if (claimed) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency WHERE sender = ? AND key = ?")) {
                    ps.setString(1, r.sender());
                    ps.setString(2, r.idempotencyKey());
                    ps.executeUpdate();
                }
            }
            results[i] = AppendResult.refused(refusal, refusedFor);
            return false;
        }
        for (String rcpt : r.recipients()) {
            Quota q = quotas.get(rcpt);
            if (q != null) {
                q.count++;
                q.bytes += r.size();
                q.changed = true;
            }
        }
        return true;
    }

    private AppendResult earlierSend(AppendRequest r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT request_hash, refs FROM idempotency WHERE sender = ? AND key = ?")) {
            ps.setString(1, r.sender());
            ps.setString(2, r.idempotencyKey());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("idempotency key vanished");
                }
                if (!MessageDigest.isEqual(rs.getBytes(1), r.requestHash())) {
                    return AppendResult.refused(AppendResult.Outcome.KEY_REUSED);
                }
                String refs = rs.getString(2);
                List<Long> out = new ArrayList<>();
                for (String s : refs.split(",")) {
                    if (!s.isEmpty()) {
                        out.add(Long.parseLong(s));
                    }
                }
                if (out.size() != r.recipients().size()) {
                    return AppendResult.refused(AppendResult.Outcome.KEY_REUSED);
                }
                return new AppendResult(AppendResult.Outcome.REPLAYED, out, List.of());
            }
        }
    }

    private void storeAppends(List<Integer> accepted) throws SQLException {
        if (accepted.isEmpty()) {
            return;
        }
        int rows = 0;
        for (int i : accepted) {
            rows += ((WriteOp.Append) ops.get(i)).r.recipients().size();
        }
        long next;
        try (PreparedStatement ps = c.prepareStatement("UPDATE relay_meta SET last_ref = last_ref + ? WHERE id = 1 RETURNING last_ref")) {
            ps.setLong(1, rows);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("relay_meta row missing");
                }
                next = rs.getLong(1) - rows + 1;
            }
        }
        try (PreparedStatement pkg = c.prepareStatement(
                "INSERT INTO packages(id, sender, contents, created_at, pending) VALUES (?,?,?,?,?)");
             PreparedStatement q = c.prepareStatement(
                     "INSERT INTO queue(ref, recipient, package_id, size, created_at) VALUES (?,?,?,?,?)")) {
            List<String[]> keys = new ArrayList<>();
            for (int i : accepted) {
                AppendRequest r = ((WriteOp.Append) ops.get(i)).r;
                long packageId = next;
                pkg.setLong(1, packageId);
                pkg.setString(2, r.sender());
                pkg.setString(3, r.contents());
                pkg.setLong(4, r.nowMillis());
                pkg.setLong(5, r.recipients().size());
                pkg.addBatch();
                List<StoredMessage> mine = new ArrayList<>(r.recipients().size());
                List<Long> refs = new ArrayList<>(r.recipients().size());
                for (String rcpt : r.recipients()) {
                    StoredMessage m = new StoredMessage(next++, r.sender(), rcpt, r.contents(), r.nowMillis());
                    q.setLong(1, m.ref());
                    q.setString(2, rcpt);
                    q.setLong(3, packageId);
                    q.setLong(4, r.size());
                    q.setLong(5, r.nowMillis());
                    q.addBatch();
                    mine.add(m);
                    refs.add(m.ref());
                }
                appended.addAll(mine);
                results[i] = new AppendResult(AppendResult.Outcome.STORED, refs, mine);
                if (r.idempotencyKey() != null) {
                    StringBuilder sb = new StringBuilder();
                    for (Long ref : refs) {
                        sb.append(sb.length() == 0 ? "" : ",").append(ref);
                    }
                    keys.add(new String[] {r.sender(), r.idempotencyKey(), sb.toString()});
                }
            }
            pkg.executeBatch();
            q.executeBatch();
            if (!keys.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE idempotency SET refs = ? WHERE sender = ? AND key = ?")) {
                    for (String[] k : keys) {
                        ps.setString(1, k[2]);
                        ps.setString(2, k[0]);
                        ps.setString(3, k[1]);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        }
    }

    // ------------------------------------------------------------ acknowledgements

    private int ack(WriteOp.Ack ack) throws SQLException {
        int deleted = 0;
        Quota q = quotas.get(ack.recipient);
        for (int from = 0; from < ack.refs.size(); from += Dialect.IN_CHUNK) {
            List<Long> chunk = ack.refs.subList(from, Math.min(ack.refs.size(), from + Dialect.IN_CHUNK));
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM queue WHERE recipient = ? AND "
                    + Dialect.inList("ref", chunk.size()) + " RETURNING package_id, size")) {
                ps.setString(1, ack.recipient);
                Dialect.bindLongs(ps, 2, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        deleted++;
                        packageReleases.merge(rs.getLong(1), 1, Integer::sum);
                        if (q != null) {
                            q.count--;
                            q.bytes -= rs.getLong(2);
                            q.changed = true;
                        }
                    }
                }
            }
        }
        return deleted;
    }

    /** Packages lose one pending recipient per acknowledged row; the last one takes the contents with it. */
    private void releasePackages() throws SQLException {
        if (packageReleases.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE packages SET pending = pending - ? WHERE id = ?")) {
            for (Map.Entry<Long, Integer> e : packageReleases.entrySet()) {
                ps.setLong(1, e.getValue());
                ps.setLong(2, e.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM packages WHERE id = ? AND pending <= 0")) {
            for (Long id : packageReleases.keySet()) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ------------------------------------------------------------ accounts

    private void touch(WriteOp.Touch t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET last_seen = ? WHERE uid = ? AND last_seen < ?")) {
            for (String uid : new TreeSet<>(t.uids)) {
                if (!quotas.containsKey(uid)) {
                    continue; // no such account
                }
                ps.setLong(1, t.nowMillis);
                ps.setString(2, uid);
                ps.setLong(3, t.nowMillis);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private boolean createAccount(String uid, byte[] hash, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts(uid, token_hash, created_at, last_seen)"
                + " VALUES (?,?,?,0) ON CONFLICT (uid) DO NOTHING")) {
            ps.setString(1, uid);
            ps.setBytes(2, hash);
            ps.setLong(3, now);
            if (ps.executeUpdate() != 1) {
                return false;
            }
        }
        quotas.putIfAbsent(uid, new Quota(0, 0));
        return true;
    }

    private Registration.Outcome register(Registration r) throws SQLException {
        if (!spendOne(r.rateKey(), r.perSecond(), r.burst(), r.nowMillis())) {
            return Registration.Outcome.RATE_LIMITED;
        }
        if (r.inviteHash() != null) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT expires_at, used_by FROM invites WHERE code_hash = ?" + d.forUpdate)) {
                ps.setBytes(1, r.inviteHash());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getLong(1) < r.nowMillis() || rs.getString(2) != null) {
                        return Registration.Outcome.BAD_INVITE;
                    }
                }
            }
        }
        if (!createAccount(r.uid(), r.tokenHash(), r.nowMillis())) {
            return Registration.Outcome.TAKEN;
        }
        if (r.inviteHash() != null) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ?")) {
                ps.setString(1, r.uid());
                ps.setLong(2, r.nowMillis());
                ps.setBytes(3, r.inviteHash());
                ps.executeUpdate();
            }
        }
        return Registration.Outcome.CREATED;
    }

    /** Takes one token from a shared bucket (created full); false if it has none. The refill is stored either way. */
    private boolean spendOne(String key, double perSecond, int burst, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO rate_buckets(key, tokens, updated_at) VALUES (?,?,?)"
                + " ON CONFLICT (key) DO NOTHING")) {
            ps.setString(1, key);
            ps.setDouble(2, burst);
            ps.setLong(3, now);
            ps.executeUpdate();
        }
        double tokens;
        long updated;
        try (PreparedStatement ps = c.prepareStatement("SELECT tokens, updated_at FROM rate_buckets WHERE key = ?" + d.forUpdate)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("rate bucket vanished");
                }
                tokens = rs.getDouble(1);
                updated = rs.getLong(2);
            }
        }
        tokens = Math.min(burst, tokens + Math.max(0, now - updated) * perSecond / 1000.0);
        boolean ok = tokens >= 1;
        if (ok) {
            tokens -= 1;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE rate_buckets SET tokens = ?, updated_at = ? WHERE key = ?")) {
            ps.setDouble(1, tokens);
            ps.setLong(2, Math.max(now, updated));
            ps.setString(3, key);
            ps.executeUpdate();
        }
        return ok;
    }

    private void addInvites(WriteOp.AddInvites ai) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invites(code_hash, created_at, expires_at) VALUES (?,?,?)")) {
            for (byte[] h : ai.hashes) {
                ps.setBytes(1, h);
                ps.setLong(2, ai.nowMillis);
                ps.setLong(3, ai.expiresMillis);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ------------------------------------------------------------ housekeeping

    /**
     * Deletes queue rows and packages older than the cutoff and gives their bytes back to the
     * recipients' quotas. The recipients' account rows are locked (in uid order) before the rows
     * are counted, so acknowledgements on other nodes cannot change the count in between.
     */
    private int purge(long cutoff) throws SQLException {
        TreeSet<String> recipients = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT recipient FROM queue WHERE created_at < ?")) {
            ps.setLong(1, cutoff);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recipients.add(rs.getString(1));
                }
            }
        }
        if (recipients.isEmpty()) {
            return 0;
        }
        List<String> all = new ArrayList<>(recipients);
        for (int from = 0; from < all.size(); from += Dialect.IN_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + Dialect.IN_CHUNK));
            try (PreparedStatement ps = c.prepareStatement("SELECT uid FROM accounts WHERE "
                    + Dialect.inList("uid", chunk.size()) + " ORDER BY uid" + d.forUpdate)) {
                Dialect.bindStrings(ps, 1, chunk);
                ps.executeQuery().close();
            }
        }
        Map<String, long[]> gone = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT recipient, COUNT(*), SUM(size) FROM queue WHERE created_at < ? GROUP BY recipient ORDER BY recipient")) {
            ps.setLong(1, cutoff);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    gone.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
        }
        int n;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM queue WHERE created_at < ?")) {
            ps.setLong(1, cutoff);
            n = ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM packages WHERE created_at < ?")) {
            ps.setLong(1, cutoff);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET queued_count = "
                + d.greatest + "(0, queued_count - ?), queued_bytes = " + d.greatest + "(0, queued_bytes - ?) WHERE uid = ?")) {
            for (Map.Entry<String, long[]> e : gone.entrySet()) {
                ps.setLong(1, e.getValue()[0]);
                ps.setLong(2, e.getValue()[1]);
                ps.setString(3, e.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return n;
    }

    private int purgeKeys(long cutoff, long now) throws SQLException {
        int n;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency WHERE created_at < ?")) {
            ps.setLong(1, cutoff);
            n = ps.executeUpdate();
        }
        long hourAgo = now - 3_600_000L;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM relay_commits WHERE committed_at < ?")) {
            // far longer than any write waits (its deadline), so no retry can still need them
            ps.setLong(1, now - 600_000L);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM rate_buckets WHERE updated_at < ?")) {
            ps.setLong(1, hourAgo);
            ps.executeUpdate();
        }
        return n;
    }
}
