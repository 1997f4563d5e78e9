package org.otpi.relay.store;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One queued write. {@link #grouped()} ones share a transaction with their neighbours (group
 * commit); the others run in a transaction of their own. Every op carries a deadline: one that
 * has waited past it is failed and never applied, so a caller that gave up is not surprised by
 * a late write.
 */
abstract sealed class WriteOp<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    final long deadlineNanos;

    WriteOp(long timeoutMillis) {
        this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    boolean grouped() {
        return true;
    }

    boolean expired(long nowNanos) {
        return nowNanos - deadlineNanos > 0;
    }

    @SuppressWarnings("unchecked")
    void completeWith(Object value) {
        result.complete((T) value);
    }

    /** Stops the writer thread. */
    static final class Poison extends WriteOp<Void> {
        Poison() {
            super(Long.MAX_VALUE / 4_000_000);
        }
    }

    /** Does nothing but commit: tells whether the writer's path to the database works again. */
    static final class Probe extends WriteOp<Void> {
        Probe(long timeout) {
            super(timeout);
        }
    }

    static final class CreateAccount extends WriteOp<Boolean> {
        final String uid;
        final byte[] tokenHash;
        final long nowMillis;

        CreateAccount(long timeout, String uid, byte[] tokenHash, long nowMillis) {
            super(timeout);
            this.uid = uid;
            this.tokenHash = tokenHash.clone();
            this.nowMillis = nowMillis;
        }
    }

    static final class Register extends WriteOp<Registration.Outcome> {
        final Registration r;

        Register(long timeout, Registration r) {
            super(timeout);
            this.r = r;
        }
    }

    static final class Append extends WriteOp<AppendResult> {
        final AppendRequest r;

        Append(long timeout, AppendRequest r) {
            super(timeout);
            this.r = r;
        }
    }

    static final class Ack extends WriteOp<Integer> {
        final String recipient;
        final List<Long> refs;

        Ack(long timeout, String recipient, Collection<Long> refs) {
            super(timeout);
            this.recipient = recipient;
            this.refs = List.copyOf(refs);
        }
    }

    static final class Touch extends WriteOp<Void> {
        final List<String> uids;
        final long nowMillis;

        Touch(long timeout, Collection<String> uids, long nowMillis) {
            super(timeout);
            this.uids = List.copyOf(uids);
            this.nowMillis = nowMillis;
        }
    }

    static final class Purge extends WriteOp<Integer> {
        final long cutoffMillis;

        Purge(long timeout, long cutoffMillis) {
            super(timeout);
            this.cutoffMillis = cutoffMillis;
        }

        @Override
        boolean grouped() {
            return false;
        }
    }

    static final class PurgeKeys extends WriteOp<Integer> {
        final long cutoffMillis;
        final long nowMillis;

        PurgeKeys(long timeout, long cutoffMillis, long nowMillis) {
            super(timeout);
            this.cutoffMillis = cutoffMillis;
            this.nowMillis = nowMillis;
        }

        @Override
        boolean grouped() {
            return false;
        }
    }

    static final class AddInvites extends WriteOp<Void> {
        final List<byte[]> hashes;
        final long nowMillis;
        final long expiresMillis;

        AddInvites(long timeout, Collection<byte[]> hashes, long nowMillis, long expiresMillis) {
            super(timeout);
            this.hashes = hashes.stream().map(byte[]::clone).toList();
            this.nowMillis = nowMillis;
            this.expiresMillis = expiresMillis;
        }

        @Override
        boolean grouped() {
            return false;
        }
    }
}
