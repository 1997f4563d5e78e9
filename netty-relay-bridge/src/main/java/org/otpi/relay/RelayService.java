package org.otpi.relay;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.otpi.relay.RelayFailure.Kind;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.StoredMessage;
import org.otpi.relay.store.UserRecord;
import org.tinylog.Logger;

/**
 * What the relay does, without HTTP: accounts, rate limits, send, fetch, acknowledge,
 * discovery, presence and fan-out of new packages to live sessions. Every method is
 * thread-safe and may block on the store, so it runs on worker threads, never on an event loop.
 *
 * <p>Everything a client sends is untrusted; refusals throw {@link RelayFailure} whose reason is
 * logged, never returned.
 */
final class RelayService {
    private static final int USERS_LIMIT = 10_000;

    private final RelayStore store;
    private final RelayLimits limits;
    private final DeliveryFilter filter;
    private final LongSupplier clock;
    private final RateLimiter accountLimiter;
    private final RateLimiter addressLimiter;
    private final RateLimiter registrationLimiter;
    private final Map<String, byte[]> hashCache = new ConcurrentHashMap<>();
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private final PushHub hub = new PushHub();

    RelayService(RelayStore store, RelayLimits limits, DeliveryFilter filter) {
        this.store = store;
        this.limits = limits;
        this.filter = filter;
        this.clock = System::currentTimeMillis;
        this.accountLimiter = new RateLimiter(limits.requestsPerSecond(), limits.burst(), System::nanoTime);
        this.addressLimiter = new RateLimiter(limits.requestsPerSecond(), limits.burst(), System::nanoTime);
        this.registrationLimiter = new RateLimiter(limits.registrationsPerSecond(), limits.registrationBurst(), System::nanoTime);
        store.onAppended(this::fanOut);
    }

    RelayLimits limits() {
        return limits;
    }

    PushHub hub() {
        return hub;
    }

    RelayStore store() {
        return store;
    }

    // ------------------------------------------------------------ accounts

    /** Creates an account and returns its token (the only time the token exists in clear). */
    String register(String uid, String remote) {
        if (!registrationLimiter.tryAcquire(remote)) {
            throw new RelayFailure(Kind.RATE_LIMITED, "registration rate");
        }
        if (!Names.isValidUid(uid)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "bad uid");
        }
        AccountTokens.Issued issued = AccountTokens.issue(uid);
        if (!store.createAccount(uid, issued.hash(), clock.getAsLong())) {
            throw new RelayFailure(Kind.CONFLICT, "uid taken");
        }
        hashCache.put(uid, issued.hash());
        Logger.tag("security").info("relay: account registered: {} from {}", uid, remote);
        return issued.token();
    }

    /**
     * Checks an {@code Authorization: Bearer TOKEN} header and the account's rate limit.
     *
     * @return the authenticated uid
     */
    String authenticate(String authorization, String remote) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            throw unauthorized("missing token", null, remote);
        }
        String token = authorization.substring("Bearer ".length()).trim();
        if (token.length() > 200) {
            throw unauthorized("oversized token", null, remote);
        }
        String uid = AccountTokens.claimedUid(token);
        if (uid == null) {
            throw unauthorized("malformed token", null, remote);
        }
        byte[] hash = hashCache.get(uid);
        if (hash == null) {
            Optional<byte[]> stored = store.tokenHash(uid);
            if (stored.isEmpty()) {
                throw unauthorized("unknown account", uid, remote);
            }
            hash = stored.get();
            hashCache.put(uid, hash);
        }
        if (!AccountTokens.matches(token, hash)) {
            throw unauthorized("wrong token", uid, remote);
        }
        if (!accountLimiter.tryAcquire(uid)) {
            throw new RelayFailure(Kind.RATE_LIMITED, "account rate");
        }
        seen.put(uid, clock.getAsLong());
        return uid;
    }

    private RelayFailure unauthorized(String why, String uid, String remote) {
        // Unauthenticated callers share their address's bucket, so guessing tokens is rate-limited too.
        if (!addressLimiter.tryAcquire(remote)) {
            return new RelayFailure(Kind.RATE_LIMITED, "address rate");
        }
        Logger.tag("security").warn("relay: rejected credentials ({}) for {} from {}", why, Names.forLog(uid), remote);
        return new RelayFailure(Kind.UNAUTHORIZED, why);
    }

    /** Rate limit for calls that carry no account (health, legacy endpoints). */
    void checkAddress(String remote) {
        if (!addressLimiter.tryAcquire(remote)) {
            throw new RelayFailure(Kind.RATE_LIMITED, "address rate");
        }
    }

    // ------------------------------------------------------------ packages

    /** Stores {@code contents} for every recipient; returns their refs in the same order. */
    List<Long> send(String sender, List<String> to, String contents) {
        try {
            return sendAsync(sender, to, contents).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    /**
     * Validates on the calling thread (may read the store on a cache miss), then queues the
     * write without waiting for it; the future completes after the commit.
     */
    java.util.concurrent.CompletableFuture<List<Long>> sendAsync(String sender, List<String> to, String contents) {
        if (to == null || contents == null || to.isEmpty() || to.size() > limits.maxRecipients()) {
            throw new RelayFailure(Kind.BAD_REQUEST, "recipients");
        }
        if (contents.length() > limits.maxPackageChars()) {
            throw new RelayFailure(Kind.TOO_LARGE, "package size");
        }
        if (!Names.isBase64(contents)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "package not base64");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String r : to) {
            if (!Names.isValidUid(r) || !unique.add(r)) {
                throw new RelayFailure(Kind.BAD_REQUEST, "recipient name");
            }
            if (!exists(r)) {
                throw new RelayFailure(Kind.NOT_FOUND, "unknown recipient");
            }
            checkQueue(r);
        }
        return store.appendAsync(sender, List.copyOf(unique), contents, clock.getAsLong()).thenApply(stored -> {
            List<Long> refs = new ArrayList<>(stored.size());
            for (StoredMessage m : stored) {
                refs.add(m.ref());
                countQueued(m.recipient());
            }
            return refs;
        });
    }

    private boolean exists(String uid) {
        if (hashCache.containsKey(uid)) {
            return true;
        }
        Optional<byte[]> stored = store.tokenHash(uid);
        stored.ifPresent(h -> hashCache.put(uid, h));
        return stored.isPresent();
    }

    /**
     * Per-recipient queue limit. The count is read from the store at most once a second per
     * recipient and bumped locally in between, so the limit is approximate (it may be passed by
     * what other nodes or concurrent sends add within that second) but costs no query per send.
     */
    private void checkQueue(String recipient) {
        long now = System.nanoTime();
        QueueCount qc = queueCounts.get(recipient);
        if (qc == null || now - qc.atNanos > QUEUE_COUNT_TTL_NANOS) {
            qc = new QueueCount(store.queued(recipient), now);
            queueCounts.put(recipient, qc);
        }
        if (qc.count >= limits.queueLimit()) {
            throw new RelayFailure(Kind.RATE_LIMITED, "recipient queue full");
        }
    }

    private void countQueued(String recipient) {
        queueCounts.computeIfPresent(recipient, (k, qc) -> new QueueCount(qc.count + 1, qc.atNanos));
    }

    private record QueueCount(int count, long atNanos) {
    }

    private static final long QUEUE_COUNT_TTL_NANOS = 1_000_000_000L;
    private final Map<String, QueueCount> queueCounts = new ConcurrentHashMap<>();

    /** Result of a fetch: what to deliver and the ref to ask from next time. */
    record Fetched(List<StoredMessage> messages, long nextRef, int storedCount) {
    }

    /** Queued packages of {@code uid} with {@code ref >= from}. */
    Fetched fetch(String uid, long from, int limit) {
        int n = Math.min(Math.max(limit, 1), limits.fetchLimit());
        List<StoredMessage> raw = store.fetch(uid, Math.max(from, 0), n);
        // nextRef comes from what the store returned, not from what the filter let through,
        // so that a dropped package is not fetched again and again.
        long next = raw.isEmpty() ? Math.max(from, 0) : raw.get(raw.size() - 1).ref() + 1;
        return new Fetched(filter.filter(uid, raw), next, raw.size());
    }

    int ack(String uid, List<Long> refs) {
        if (refs == null || refs.isEmpty() || refs.size() > limits.fetchLimit() * 2) {
            throw new RelayFailure(Kind.BAD_REQUEST, "refs");
        }
        Set<Long> unique = new HashSet<>();
        for (Long r : refs) {
            if (r == null || r < 1) {
                throw new RelayFailure(Kind.BAD_REQUEST, "ref");
            }
            unique.add(r);
        }
        return store.ack(uid, unique);
    }

    long nextRef() {
        return store.nextRef();
    }

    /** An account and whether it is online. */
    record UserView(String uid, boolean online) {
    }

    List<UserView> users() {
        long now = clock.getAsLong();
        List<UserView> out = new ArrayList<>();
        for (UserRecord u : store.users(USERS_LIMIT)) {
            long last = Math.max(u.lastSeenMillis(), seen.getOrDefault(u.uid(), 0L));
            boolean online = hub.isOnline(u.uid()) || now - last <= limits.onlineWindowMillis();
            out.add(new UserView(u.uid(), online));
        }
        return out;
    }

    // ------------------------------------------------------------ the paper's plain endpoints

    /** {@code /send}: unauthenticated, as in the paper; the sender name is only a claim. */
    long legacySend(String sender, String recipient, String contents) {
        if (!Names.isValidUid(sender) || !Names.isValidUid(recipient) || contents == null) {
            throw new RelayFailure(Kind.BAD_REQUEST, "legacy send fields");
        }
        if (contents.length() > limits.maxPackageChars()) {
            throw new RelayFailure(Kind.TOO_LARGE, "package size");
        }
        if (!Names.isPrintableAscii(contents)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "package not printable");
        }
        checkQueue(recipient);
        long ref = store.append(sender, List.of(recipient), contents, clock.getAsLong()).get(0).ref();
        countQueued(recipient);
        return ref;
    }

    /** {@code /getmessages}: packages for a recipient with {@code ref >= startRef}. */
    List<StoredMessage> legacyFetch(String recipient, long startRef) {
        if (!Names.isValidUid(recipient)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "legacy recipient");
        }
        return filter.filter(recipient, store.fetch(recipient, Math.max(startRef, 0), limits.fetchLimit()));
    }

    // ------------------------------------------------------------ live push and housekeeping

    /** Called by the store after commit (this node) or on notification (other nodes). */
    private void fanOut(List<StoredMessage> appended) {
        Map<String, List<StoredMessage>> byRecipient = new java.util.HashMap<>();
        for (StoredMessage m : appended) {
            if (hub.isOnline(m.recipient())) {
                byRecipient.computeIfAbsent(m.recipient(), k -> new ArrayList<>()).add(m);
            }
        }
        byRecipient.forEach((uid, batch) -> {
            List<StoredMessage> out = filter.filter(uid, batch);
            if (!out.isEmpty()) {
                for (PushHub.Session s : hub.sessionsOf(uid)) {
                    s.push(out);
                }
            }
        });
    }

    /** Periodic: publish presence to the store (other nodes) and forget idle rate buckets. */
    void housekeeping() {
        Set<String> active = new HashSet<>(hub.onlineUids());
        long now = clock.getAsLong();
        seen.entrySet().removeIf(e -> {
            if (now - e.getValue() <= limits.onlineWindowMillis()) {
                active.add(e.getKey());
                return false;
            }
            return true;
        });
        if (!active.isEmpty()) {
            store.touch(active, now);
        }
        long stale = System.nanoTime() - 60 * QUEUE_COUNT_TTL_NANOS;
        queueCounts.values().removeIf(qc -> qc.atNanos < stale);
        accountLimiter.sweep();
        addressLimiter.sweep();
        registrationLimiter.sweep();
    }
}
