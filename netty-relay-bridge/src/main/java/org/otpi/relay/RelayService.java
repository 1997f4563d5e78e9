package org.otpi.relay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.otpi.relay.RelayFailure.Kind;
import org.otpi.relay.store.AppendRequest;
import org.otpi.relay.store.AppendResult;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.Registration;
import org.otpi.relay.store.StoredMessage;
import org.otpi.relay.store.UserRecord;
import org.tinylog.Logger;

/**
 * What the relay does, without HTTP: accounts and registration, rate limits, send, fetch,
 * acknowledge, discovery, presence and fan-out of new packages to live sessions. Every method is
 * thread-safe and may block on the store, so it runs on worker threads, never on an event loop.
 *
 * <p>Everything a client sends is untrusted; refusals throw {@link RelayFailure} whose reason is
 * logged, never returned.
 */
final class RelayService {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Never-active accounts are listed this long after registering. */
    static final long NEW_ACCOUNT_LISTED_MILLIS = TimeUnit.DAYS.toMillis(7);

    private final RelayStore store;
    private final RelayLimits limits;
    private final DeliveryFilter filter;
    private final RelayConfig.Registration registration;
    private final LongSupplier clock;
    private final RateLimiter accountLimiter;
    private final RateLimiter addressLimiter;
    private final RateLimiter registrationLimiter;
    private final Map<String, byte[]> hashCache = new ConcurrentHashMap<>();
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private final PushHub hub = new PushHub();
    private final MemoryBudget budget;
    /** Recipients whose inbox the store reported full, until when (nanoTime): sends to them are refused at once. */
    private final Map<String, Long> fullInboxes = new ConcurrentHashMap<>();
    private static final long FULL_INBOX_NANOS = TimeUnit.SECONDS.toNanos(1);
    private volatile boolean ready = true;

    RelayService(RelayStore store, RelayLimits limits, DeliveryFilter filter) {
        this(store, limits, filter, RelayConfig.Registration.OPEN);
    }

    RelayService(RelayStore store, RelayLimits limits, DeliveryFilter filter, RelayConfig.Registration registration) {
        this.store = store;
        this.limits = limits;
        this.filter = filter;
        this.registration = registration;
        this.clock = System::currentTimeMillis;
        this.accountLimiter = new RateLimiter(limits.requestsPerSecond(), limits.burst(), System::nanoTime, "acct:");
        this.addressLimiter = new RateLimiter(limits.requestsPerSecond(), limits.burst(), System::nanoTime, "addr:");
        this.registrationLimiter = new RateLimiter(limits.registrationsPerSecond(), limits.registrationBurst(), System::nanoTime);
        if (store.sharesLimits()) {
            accountLimiter.share();
            addressLimiter.share();
        }
        long capacity = limits.effectiveMemoryBudget();
        long oneRequest = RequestGate.BASE_BYTES + (long) Math.max(limits.maxBodyBytes(),
                Math.max(limits.fetchBytes(), limits.maxPackageChars()) + 64 * 1024)
                * Math.max(MemoryBudget.BODY_FACTOR, MemoryBudget.ANSWER_FACTOR);
        this.budget = new MemoryBudget(capacity, Math.max(capacity / 8, oneRequest));
        store.onAppended(() -> !hub.isEmpty(), hub::isOnline, this::fanOut);
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

    MemoryBudget budget() {
        return budget;
    }

    // ------------------------------------------------------------ health

    /** Asks the store whether it answers (and can write); {@link #ready()} reports the last answer. Blocks. */
    void probeStore() {
        boolean now = store.ping();
        if (now != ready) {
            if (now) {
                Logger.info("relay: store answers again; ready");
            } else {
                Logger.warn("relay: store does not answer; reporting not ready");
            }
        }
        ready = now;
    }

    boolean ready() {
        return ready;
    }

    // ------------------------------------------------------------ accounts

    /**
     * Creates an account and returns its token (the only time the token exists in clear).
     *
     * @param invite the invite code, needed when registration is by invitation (ignored when open)
     * @param client the client's address (behind a trusted proxy: the real one), for the rate limit
     */
    String register(String uid, String invite, String client) {
        if (registration == RelayConfig.Registration.CLOSED) {
            Logger.tag("security").info("relay: registration refused (closed) from {}", client);
            throw new RelayFailure(Kind.FORBIDDEN, "registration closed");
        }
        if (!registrationLimiter.tryAcquire(client)) {
            throw new RelayFailure(Kind.RATE_LIMITED, "registration rate");
        }
        if (!Names.isValidUid(uid)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "bad uid");
        }
        byte[] inviteHash = null;
        if (registration == RelayConfig.Registration.INVITE) {
            if (invite == null || !Invites.isWellFormed(invite)) {
                Logger.tag("security").info("relay: registration without a valid invite from {}", client);
                throw new RelayFailure(Kind.FORBIDDEN, "invite missing");
            }
            inviteHash = Invites.hash(invite);
        }
        AccountTokens.Issued issued = AccountTokens.issue(uid);
        Registration.Outcome outcome = store.register(new Registration(uid, issued.hash(), clock.getAsLong(), inviteHash,
                "reg:" + client, limits.registrationsPerSecond(), limits.registrationBurst()));
        switch (outcome) {
            case CREATED -> {
                hashCache.put(uid, issued.hash());
                Logger.tag("security").info("relay: account registered: {} from {}", uid, client);
                return issued.token();
            }
            case TAKEN -> throw new RelayFailure(Kind.CONFLICT, "uid taken");
            case BAD_INVITE -> {
                Logger.tag("security").warn("relay: registration with an unknown, used or expired invite from {}", client);
                throw new RelayFailure(Kind.FORBIDDEN, "bad invite");
            }
            case RATE_LIMITED -> throw new RelayFailure(Kind.RATE_LIMITED, "registration rate (shared)");
            default -> throw new IllegalStateException();
        }
    }

    /**
     * Checks an {@code Authorization: Bearer TOKEN} header and the account's rate limit.
     *
     * @return the authenticated uid
     */
    String authenticate(String authorization, String client) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            throw unauthorized("missing token", null, client);
        }
        return authenticateToken(authorization.substring("Bearer ".length()).trim(), client);
    }

    private String authenticateToken(String token, String client) {
        if (token.length() > 200) {
            throw unauthorized("oversized token", null, client);
        }
        String uid = AccountTokens.claimedUid(token);
        if (uid == null) {
            throw unauthorized("malformed token", null, client);
        }
        byte[] hash = hashCache.get(uid);
        if (hash == null) {
            Optional<byte[]> stored = store.tokenHash(uid);
            if (stored.isEmpty()) {
                throw unauthorized("unknown account", uid, client);
            }
            hash = stored.get();
            hashCache.put(uid, hash);
        }
        if (!AccountTokens.matches(token, hash)) {
            throw unauthorized("wrong token", uid, client);
        }
        if (!accountLimiter.tryAcquire(uid)) {
            throw new RelayFailure(Kind.RATE_LIMITED, "account rate");
        }
        seen.put(uid, clock.getAsLong());
        return uid;
    }

    private RelayFailure unauthorized(String why, String uid, String client) {
        // Unauthenticated callers share their address's bucket, so guessing tokens is rate-limited too.
        if (!addressLimiter.tryAcquire(client)) {
            return new RelayFailure(Kind.RATE_LIMITED, "address rate");
        }
        Logger.tag("security").warn("relay: rejected credentials ({}) for {} from {}", why, Names.forLog(uid), client);
        return new RelayFailure(Kind.UNAUTHORIZED, why);
    }

    /** Rate limit for calls that carry no account (health, legacy endpoints, registration). */
    void checkAddress(String client) {
        if (!addressLimiter.tryAcquire(client)) {
            throw new RelayFailure(Kind.RATE_LIMITED, "address rate");
        }
    }

    private final java.util.concurrent.atomic.AtomicLong ackFrames = new java.util.concurrent.atomic.AtomicLong();

    /** One WebSocket frame costs what a request costs; false if the account has no token left. */
    boolean spendFrame(String uid) {
        return accountLimiter.tryAcquire(uid);
    }

    void countAckFrame() {
        ackFrames.incrementAndGet();
    }

    /** WebSocket ack frames taken (not dropped for the rate limit) so far, all sessions on this node. */
    long ackFrames() {
        return ackFrames.get();
    }

    /** Refs acknowledged per extra rate-limit token: each one is a lookup in the store. */
    static final int ACKS_PER_TOKEN = 50;

    /**
     * Acknowledging many refs costs the store a lookup each, so beyond the request itself an
     * acknowledgement costs one token per {@link #ACKS_PER_TOKEN} refs (a normal client acks a
     * page at a time and hardly notices; a flood of large acks slows its sender, not the store).
     */
    void chargeAcks(String uid, int refs) {
        int extra = refs / ACKS_PER_TOKEN;
        if (extra > 0) {
            accountLimiter.charge(uid, extra);
        }
    }

    long nanosUntilAccountToken(String uid) {
        return accountLimiter.nanosUntilToken(uid);
    }

    // ------------------------------------------------------------ packages

    /** True if {@code key} is an acceptable {@code Idempotency-Key}. */
    static boolean isIdempotencyKey(String key) {
        return key != null && IDEMPOTENCY_KEY.matcher(key).matches();
    }

    /**
     * Validates on the calling thread (may read the store on a cache miss), then queues the
     * write without waiting for it; the future completes after the commit. Account checks,
     * quotas and the idempotency key are settled in the store's transaction.
     *
     * @param idempotencyKey null, or a valid key (see {@link #isIdempotencyKey})
     */
    CompletableFuture<List<Long>> sendAsync(String sender, List<String> to, String contents, String idempotencyKey) {
        if (to == null || contents == null || to.isEmpty() || to.size() > limits.maxRecipients()) {
            throw new RelayFailure(Kind.BAD_REQUEST, "recipients");
        }
        if (contents.length() > limits.maxPackageChars()) {
            throw new RelayFailure(Kind.TOO_LARGE, "package size");
        }
        if (!Names.isBase64(contents)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "package not base64");
        }
        if (idempotencyKey != null && !isIdempotencyKey(idempotencyKey)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "idempotency key");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String r : to) {
            if (!Names.isValidUid(r) || !unique.add(r)) {
                throw new RelayFailure(Kind.BAD_REQUEST, "recipient name");
            }
            if (!exists(r)) {
                throw new RelayFailure(Kind.NOT_FOUND, "unknown recipient");
            }
            checkNotFull(r);
        }
        List<String> recipients = List.copyOf(unique);
        byte[] hash = idempotencyKey == null ? null : requestHash(recipients, contents);
        AppendRequest req = new AppendRequest(sender, recipients, contents, clock.getAsLong(), idempotencyKey, hash, true,
                limits.queueLimit(), limits.queueBytes());
        return store.appendAsync(req).thenApply(this::refsOf);
    }

    /**
     * A flood of sends to a full inbox is refused here for a second after the store said so,
     * without queueing work for the store (which alone decides exactly, in its transaction).
     */
    private void checkNotFull(String recipient) {
        Long until = fullInboxes.get(recipient);
        if (until != null) {
            if (System.nanoTime() - until < 0) {
                throw new RelayFailure(Kind.RATE_LIMITED, "recipient queue full (recently)");
            }
            fullInboxes.remove(recipient, until);
        }
    }

    private List<Long> refsOf(AppendResult r) {
        if (r.outcome() == AppendResult.Outcome.QUEUE_FULL && r.refusedFor() != null) {
            fullInboxes.put(r.refusedFor(), System.nanoTime() + FULL_INBOX_NANOS);
        }
        return refsOfResult(r);
    }

    private static List<Long> refsOfResult(AppendResult r) {
        switch (r.outcome()) {
            case STORED, REPLAYED -> {
                return r.refs();
            }
            case UNKNOWN_RECIPIENT -> throw new RelayFailure(Kind.NOT_FOUND, "unknown recipient");
            case QUEUE_FULL -> throw new RelayFailure(Kind.RATE_LIMITED, "recipient queue full");
            case KEY_REUSED -> throw new RelayFailure(Kind.KEY_REUSED, "idempotency key reused for another package");
            default -> throw new IllegalStateException();
        }
    }

    /** SHA-256 over the recipients and the contents: a retry must repeat both. */
    static byte[] requestHash(List<String> recipients, String contents) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(String.join("\n", recipients).getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(contents.getBytes(StandardCharsets.ISO_8859_1));
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean exists(String uid) {
        if (hashCache.containsKey(uid)) {
            return true;
        }
        Optional<byte[]> stored = store.tokenHash(uid);
        stored.ifPresent(h -> hashCache.put(uid, h));
        return stored.isPresent();
    }

    /** Result of a fetch: what to deliver and the ref to ask from next time. */
    record Fetched(List<StoredMessage> messages, long nextRef, int storedCount) {
    }

    /**
     * Queued packages of {@code uid} with {@code ref >= from}: at most {@code limit} (capped by
     * {@link RelayLimits#fetchLimit}) and at most {@link RelayLimits#fetchBytes} of contents,
     * except that one package larger than that comes alone. Memory is reserved first for
     * exactly the bytes the page holds (503 if the budget or the account's share cannot hold it). The reservation is added to
     * {@code held}; the caller releases it once the answer has been written.
     */
    Fetched fetchReserved(String uid, long from, int limit, List<MemoryBudget.Lease> held) {
        int n = Math.min(Math.max(limit, 1), limits.fetchLimit());
        long start = Math.max(from, 0);
        List<StoredMessage> raw = store.fetch(uid, start, n, limits.fetchBytes(), bytes -> {
            MemoryBudget.Lease l = budget.tryReserve("acct:" + uid, RequestGate.BASE_BYTES + bytes * MemoryBudget.ANSWER_FACTOR);
            if (l == null) {
                return false;
            }
            held.add(l);
            return true;
        });
        if (raw == null) {
            throw new RelayFailure(Kind.BUSY, "memory budget");
        }
        return fetched(uid, from, raw);
    }

    private Fetched fetched(String uid, long from, List<StoredMessage> raw) {
        // nextRef comes from what the store returned, not from what the filter let through,
        // so that a dropped package is not fetched again and again.
        long next = raw.isEmpty() ? Math.max(from, 0) : raw.get(raw.size() - 1).ref() + 1;
        return new Fetched(filter.filter(uid, raw), next, raw.size());
    }


    List<Long> checkRefs(List<Long> refs) {
        if (refs == null || refs.isEmpty() || refs.size() > limits.fetchLimit() * 2) {
            throw new RelayFailure(Kind.BAD_REQUEST, "refs");
        }
        Set<Long> unique = new LinkedHashSet<>();
        for (Long r : refs) {
            if (r == null || r < 1) {
                throw new RelayFailure(Kind.BAD_REQUEST, "ref");
            }
            unique.add(r);
        }
        return List.copyOf(unique);
    }

    int ack(String uid, List<Long> refs) {
        List<Long> checked = checkRefs(refs);
        chargeAcks(uid, checked.size());
        int n = store.ack(uid, checked);
        if (n > 0) {
            fullInboxes.remove(uid);
        }
        return n;
    }

    CompletableFuture<Integer> ackAsync(String uid, Collection<Long> refs) {
        return store.ackAsync(uid, refs).whenComplete((n, e) -> {
            if (n != null && n > 0) {
                fullInboxes.remove(uid);
            }
        });
    }

    long nextRef() {
        return store.nextRef();
    }

    /** An account and whether it is online. */
    record UserView(String uid, boolean online) {
    }

    /**
     * Accounts to show in discovery, bounded by {@link RelayLimits#usersListed}: those active
     * (an authenticated request or a live WebSocket, on any node) within
     * {@link RelayLimits#usersActiveDays}, most recently active first; then accounts registered
     * in the last week that have not been active yet. Junk accounts that are never used do not
     * push real users out; {@link #user} finds any account by name.
     */
    List<UserView> users() {
        long now = clock.getAsLong();
        long activeSince = now - TimeUnit.DAYS.toMillis(limits.usersActiveDays());
        Map<String, Long> last = new LinkedHashMap<>();
        for (UserRecord u : store.listedUsers(activeSince, now - NEW_ACCOUNT_LISTED_MILLIS, limits.usersListed())) {
            last.put(u.uid(), u.lastSeenMillis());
        }
        // this node's activity not yet written to the store (housekeeping writes it every few seconds)
        for (Map.Entry<String, Long> e : seen.entrySet()) {
            last.merge(e.getKey(), e.getValue(), Math::max);
        }
        for (String uid : hub.onlineUids()) {
            last.merge(uid, now, Math::max);
        }
        List<Map.Entry<String, Long>> ordered = new ArrayList<>(last.entrySet());
        // stable: never-active accounts (0) keep the store's newest-first order after the active ones
        ordered.sort(Comparator.comparingLong((Map.Entry<String, Long> e) -> e.getValue()).reversed());
        List<UserView> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : ordered) {
            if (out.size() >= limits.usersListed()) {
                break;
            }
            out.add(new UserView(e.getKey(), isOnline(e.getKey(), e.getValue(), now)));
        }
        return out;
    }

    private boolean isOnline(String uid, long lastSeen, long now) {
        return hub.isOnline(uid) || (lastSeen > 0 && now - lastSeen <= limits.onlineWindowMillis());
    }

    /** One account by name, if it exists (whether or not {@link #users} lists it). */
    Optional<UserView> user(String uid) {
        if (!Names.isValidUid(uid)) {
            return Optional.empty();
        }
        Optional<UserRecord> u = store.account(uid);
        if (u.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.getAsLong();
        long last = Math.max(u.get().lastSeenMillis(), seen.getOrDefault(uid, 0L));
        return Optional.of(new UserView(uid, isOnline(uid, last, now)));
    }

    // ------------------------------------------------------------ the paper's plain endpoints

    /**
     * {@code /send}: the sender name is only a claim, as in the paper; the recipient must be a
     * registered account, and its quotas hold as for any send.
     */
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
        if (!exists(recipient)) {
            throw new RelayFailure(Kind.NOT_FOUND, "unknown recipient");
        }
        checkNotFull(recipient);
        AppendRequest req = new AppendRequest(sender, List.of(recipient), contents, clock.getAsLong(), null, null, true,
                limits.queueLimit(), limits.queueBytes());
        try {
            return refsOf(store.appendAsync(req).join()).get(0);
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    /**
     * {@code /getmessages} is for the holder of the recipient's token only (the paper had none;
     * without it anyone could read any queue). Returns the recipient.
     */
    String legacyAuthorize(String recipient, String token, String client) {
        if (!Names.isValidUid(recipient)) {
            throw new RelayFailure(Kind.BAD_REQUEST, "legacy recipient");
        }
        if (token == null) {
            throw unauthorized("legacy fetch without token", recipient, client);
        }
        String uid = authenticateToken(token, client);
        if (!uid.equals(recipient)) {
            throw unauthorized("legacy fetch of another account", recipient, client);
        }
        return uid;
    }

    /** {@code /getmessages} after {@link #legacyAuthorize}: packages with {@code ref >= startRef}, bounded like a fetch. */
    List<StoredMessage> legacyFetch(String recipient, long startRef, List<MemoryBudget.Lease> held) {
        return fetchReserved(recipient, startRef, limits.fetchLimit(), held).messages();
    }

    // ------------------------------------------------------------ live push and housekeeping

    /** Called by the store after commit (this node) or on notification (other nodes). */
    private void fanOut(List<StoredMessage> appended) {
        Map<String, List<StoredMessage>> byRecipient = new HashMap<>();
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
        long nowNanos = System.nanoTime();
        fullInboxes.values().removeIf(until -> nowNanos - until > 0);
        accountLimiter.sweep();
        addressLimiter.sweep();
        registrationLimiter.sweep();
        if (hashCache.size() > 100_000) {
            hashCache.clear(); // a cache, bounded: refilled from the store on demand
        }
    }

    /** Periodic (PostgreSQL): exchange rate-limit spending with the other nodes. */
    void syncSharedLimits() {
        if (!store.sharesLimits()) {
            return;
        }
        long now = clock.getAsLong();
        accountLimiter.sync(store, now);
        addressLimiter.sync(store, now);
    }

    /** Periodic: forget idempotency keys older than a day. */
    void purgeIdempotencyKeys() {
        int n = store.purgeIdempotencyKeys(clock.getAsLong() - TimeUnit.DAYS.toMillis(1));
        if (n > 0) {
            Logger.debug("relay: forgot {} idempotency keys older than a day", n);
        }
    }
}
