package org.otpi.appliance.pad;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of half-open ranges {@code [lo, hi)} of longs, kept merged. Used for opened (received)
 * pad ranges and destroyed regions. Not thread-safe; callers hold the pad's lock.
 */
public final class RangeSet implements DeadBytes {
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    /** Adds [lo, hi), merging with neighbours. */
    public void add(long lo, long hi) {
        if (lo >= hi) {
            return;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(lo);
        if (before != null && before.getValue() >= lo) {
            lo = before.getKey();
            hi = Math.max(hi, before.getValue());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(lo);
        while (next != null && next.getKey() <= hi) {
            hi = Math.max(hi, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(lo);
        }
        ranges.put(lo, hi);
    }

    /** True if any byte of [lo, hi) is in the set. */
    public boolean overlaps(long lo, long hi) {
        if (lo >= hi) {
            return false;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(lo);
        if (before != null && before.getValue() > lo) {
            return true;
        }
        Long nextStart = ranges.higherKey(lo);
        return nextStart != null && nextStart < hi;
    }

    /** True if every byte of [lo, hi) is in the set. */
    @Override
    public boolean covers(long lo, long hi) {
        if (lo >= hi) {
            return true;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(lo);
        return before != null && before.getValue() >= hi;
    }

    /** The part of this set within [lo, hi). */
    @Override
    public RangeSet within(long lo, long hi) {
        RangeSet out = new RangeSet();
        if (lo >= hi) {
            return out;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(lo);
        if (before != null && before.getValue() > lo) {
            out.ranges.put(lo, Math.min(hi, before.getValue()));
        }
        for (Map.Entry<Long, Long> e : ranges.subMap(lo, false, hi, false).entrySet()) {
            out.ranges.put(e.getKey(), Math.min(hi, e.getValue()));
        }
        return out;
    }

    /** Removes [lo, hi) from the set. */
    public void remove(long lo, long hi) {
        if (lo >= hi) {
            return;
        }
        Map.Entry<Long, Long> before = ranges.lowerEntry(lo);
        if (before != null && before.getValue() > lo) {
            ranges.put(before.getKey(), lo);
            if (before.getValue() > hi) {
                ranges.put(hi, before.getValue());
                return;
            }
        }
        for (Map.Entry<Long, Long> e : new java.util.ArrayList<>(ranges.subMap(lo, true, hi, false).entrySet())) {
            ranges.remove(e.getKey());
            if (e.getValue() > hi) {
                ranges.put(hi, e.getValue());
            }
        }
    }

    /** The end of the range containing {@code pos}, or {@code pos} if no range contains it. */
    public long endOf(long pos) {
        Map.Entry<Long, Long> e = ranges.floorEntry(pos);
        return e != null && e.getValue() > pos ? e.getValue() : pos;
    }

    /** True if the set is empty. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Number of separate ranges. */
    public int size() {
        return ranges.size();
    }

    /** The largest {@code hi} in the set, or {@code 0} if empty. */
    public long max() {
        return ranges.isEmpty() ? 0 : ranges.lastEntry().getValue();
    }

    /** Total bytes in the set. */
    public long total() {
        long n = 0;
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            n += e.getValue() - e.getKey();
        }
        return n;
    }

    /** The ranges as {lo, hi} pairs in ascending order (a copy). */
    public List<long[]> toList() {
        List<long[]> out = new ArrayList<>(ranges.size());
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            out.add(new long[] {e.getKey(), e.getValue()});
        }
        return Collections.unmodifiableList(out);
    }

    /** Builds a set from {lo, hi} pairs. */
    public static RangeSet of(List<long[]> pairs) {
        RangeSet s = new RangeSet();
        if (pairs != null) {
            for (long[] p : pairs) {
                s.add(p[0], p[1]);
            }
        }
        return s;
    }

    /** A copy. */
    public RangeSet copy() {
        RangeSet s = new RangeSet();
        s.ranges.putAll(ranges);
        return s;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("RangeSet[");
        ranges.forEach((lo, hi) -> b.append('[').append(lo).append(',').append(hi).append(')'));
        return b.append(']').toString();
    }
}
