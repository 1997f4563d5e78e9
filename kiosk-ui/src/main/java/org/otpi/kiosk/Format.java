package org.otpi.kiosk;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Numbers and times the way a person reads them. */
final class Format {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private Format() {
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        boolean whole = v == Math.rint(v);
        return String.format(Locale.ROOT, v >= 100 || whole ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    static String seconds(long millis) {
        long s = Math.max(0, (millis + 999) / 1000);
        return s >= 60 ? String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60) : s + " s";
    }

    static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    static String operation(String op) {
        return switch (op) {
            case "SEAL" -> "seal a message";
            case "OPEN" -> "open a message";
            case "SEAL_FILE" -> "seal a file";
            case "OPEN_FILE" -> "open a file";
            default -> op.toLowerCase(Locale.ROOT);
        };
    }
}
