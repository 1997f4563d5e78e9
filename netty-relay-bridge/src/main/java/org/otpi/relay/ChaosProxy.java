package org.otpi.relay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.otpi.relay.store.StoredMessage;

/**
 * A hostile relay for tests: a {@link DeliveryFilter} that drops, corrupts, duplicates,
 * reorders and replays packages on their way to recipients, reproducibly from a seed.
 *
 * <p>Per-package decisions (drop, corrupt, duplicate) are a pure function of {@code (seed, ref)}:
 * a dropped package is never delivered by any path (fetch, legacy fetch, WebSocket, redelivery),
 * and a corrupted one always arrives with the same single flipped bit. Per-batch decisions
 * (reorder, replay of an earlier package to the same recipient) come from one {@link Random}
 * seeded with {@code seed}; with concurrent recipients their interleaving depends on timing.
 *
 * <p>The store is not touched: the sender's copy is intact, only deliveries are altered.
 * {@link #stats()} tells a test exactly which refs were dropped, corrupted, duplicated and
 * replayed, so it can check that each was rejected or flagged.
 *
 * <p>Use: {@code RelayConfig.builder().deliveryFilter(new ChaosProxy(ChaosProxy.Settings.parse(
 * "seed=42,drop=0.02,corrupt=0.02,duplicate=0.02,reorder=0.1,replay=0.02")))}, or
 * {@code otpi-relay serve --chaos seed=42,drop=0.02,...}.
 */
public final class ChaosProxy implements DeliveryFilter {

    /**
     * Probabilities in [0, 1].
     *
     * @param seed seed for every decision
     * @param drop a package is never delivered
     * @param corrupt a package is delivered with one bit flipped (in its base64-decoded bytes)
     * @param duplicate a package is delivered twice in the same batch
     * @param reorder a batch of two or more is shuffled
     * @param replay an earlier intact package of the same recipient is injected into a batch
     */
    public record Settings(long seed, double drop, double corrupt, double duplicate, double reorder, double replay) {
        public Settings {
            for (double p : new double[] {drop, corrupt, duplicate, reorder, replay}) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("chaos probabilities must be in [0, 1]");
                }
            }
        }

        /**
         * Parses {@code seed=42,drop=0.02,corrupt=0.02,duplicate=0.02,reorder=0.1,replay=0.02};
         * absent keys are 0 (seed 0).
         */
        public static Settings parse(String spec) {
            Map<String, String> kv = new HashMap<>();
            for (String part : spec.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                String[] p = part.split("=", 2);
                if (p.length != 2) {
                    throw new IllegalArgumentException("chaos setting must be key=value: " + part);
                }
                kv.put(p[0].trim(), p[1].trim());
            }
            Set<String> known = Set.of("seed", "drop", "corrupt", "duplicate", "reorder", "replay");
            for (String k : kv.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown chaos setting: " + k);
                }
            }
            return new Settings(Long.parseLong(kv.getOrDefault("seed", "0")), d(kv, "drop"), d(kv, "corrupt"),
                    d(kv, "duplicate"), d(kv, "reorder"), d(kv, "replay"));
        }

        private static double d(Map<String, String> kv, String k) {
            return Double.parseDouble(kv.getOrDefault(k, "0"));
        }
    }

    /**
     * What the proxy did so far. Sets hold refs; {@code replayed} holds refs injected again.
     *
     * @param delivered packages handed on (including duplicates and replays)
     */
    public record Stats(Set<Long> dropped, Set<Long> corrupted, Set<Long> duplicated, Set<Long> replayed,
                        int reorderedBatches, long delivered) {
    }

    private static final int HISTORY = 64;

    private final Settings settings;
    private final Random batchRandom;
    private final Map<String, Deque<StoredMessage>> history = new HashMap<>();
    private final Set<Long> dropped = new TreeSet<>();
    private final Set<Long> corrupted = new TreeSet<>();
    private final Set<Long> duplicated = new TreeSet<>();
    private final Set<Long> replayed = new TreeSet<>();
    private int reorderedBatches;
    private long delivered;

    public ChaosProxy(Settings settings) {
        this.settings = settings;
        this.batchRandom = new Random(settings.seed());
    }

    public Settings settings() {
        return settings;
    }

    /** True if the package with this ref is always dropped (pure function of seed and ref). */
    public boolean dropsRef(long ref) {
        return perRef(ref).nextDouble() < settings.drop();
    }

    /** True if the package with this ref is always corrupted (never true for a dropped ref). */
    public boolean corruptsRef(long ref) {
        SplittableRandom r = perRef(ref);
        return !(r.nextDouble() < settings.drop()) && r.nextDouble() < settings.corrupt();
    }

    @Override
    public synchronized List<StoredMessage> filter(String recipient, List<StoredMessage> batch) {
        List<StoredMessage> out = new ArrayList<>(batch.size() + 2);
        Deque<StoredMessage> past = history.computeIfAbsent(recipient, k -> new ArrayDeque<>());
        for (StoredMessage m : batch) {
            SplittableRandom r = perRef(m.ref());
            if (r.nextDouble() < settings.drop()) {
                dropped.add(m.ref());
                continue;
            }
            StoredMessage sent = m;
            if (r.nextDouble() < settings.corrupt()) {
                sent = m.withContents(flipOneBit(m.contents(), r));
                corrupted.add(m.ref());
            } else {
                past.addLast(m);
                if (past.size() > HISTORY) {
                    past.removeFirst();
                }
            }
            out.add(sent);
            if (r.nextDouble() < settings.duplicate()) {
                out.add(sent);
                duplicated.add(m.ref());
            }
        }
        if (!past.isEmpty() && batchRandom.nextDouble() < settings.replay()) {
            List<StoredMessage> candidates = new ArrayList<>(past);
            StoredMessage old = candidates.get(batchRandom.nextInt(candidates.size()));
            out.add(batchRandom.nextInt(out.size() + 1), old);
            replayed.add(old.ref());
        }
        if (out.size() > 1 && batchRandom.nextDouble() < settings.reorder()) {
            Collections.shuffle(out, batchRandom);
            reorderedBatches++;
        }
        delivered += out.size();
        return out;
    }

    public synchronized Stats stats() {
        return new Stats(Set.copyOf(dropped), Set.copyOf(corrupted), Set.copyOf(duplicated), Set.copyOf(replayed),
                reorderedBatches, delivered);
    }

    private SplittableRandom perRef(long ref) {
        return new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + ref);
    }

    /** Flips one bit of the decoded package; non-base64 text gets one character changed instead. */
    static String flipOneBit(String contents, SplittableRandom r) {
        if (Names.isBase64(contents)) {
            byte[] raw = Base64.getDecoder().decode(contents);
            if (raw.length > 0) {
                raw[r.nextInt(raw.length)] ^= (byte) (1 << r.nextInt(8));
                return Base64.getEncoder().encodeToString(raw);
            }
        }
        char[] cs = contents.toCharArray();
        int i = r.nextInt(cs.length);
        cs[i] = cs[i] == 'x' ? 'y' : 'x';
        return new String(cs);
    }
}
