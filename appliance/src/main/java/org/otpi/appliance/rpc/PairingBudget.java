package org.otpi.appliance.rpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.tinylog.Logger;

/**
 * How many pairings may start, and how many codes may be tried, per day (UTC), counted on the SD
 * card so a restart (or a crash, or a kill right after a guess) gives no fresh budget.
 *
 * <p>Each use is written before it happens: {@link #tryStart} and {@link #tryCode} raise the
 * count, write the file (a new file, fsync'd, renamed over the old one, directory fsync'd), and
 * only then say yes. The file ends with a CRC-32 of its lines; a file that is missing its CRC,
 * fails it, or does not parse (torn, damaged, edited) counts as <b>today's budget spent</b>:
 * pairing stays shut until the next UTC day instead of starting from zero. A clock set back
 * does not reopen a day already counted: the later day is kept.
 *
 * <pre>
 *   otpi-pairing 1
 *   day=2026-12-02
 *   starts=3
 *   codes=4
 *   crc=5d1f03a2
 * </pre>
 *
 * <p>Not thread-safe: {@link PairingManager} calls it under its own lock.
 */
final class PairingBudget {
    /** Pairings that may start (a code shown on the screen) per day. */
    static final int STARTS_PER_DAY = 20;
    /** Codes that may be tried (right or wrong) per day: about 30 in 10^8 chances a day to guess one. */
    static final int CODES_PER_DAY = 30;
    static final String FILE = "pairing.state";
    private static final String MAGIC = "otpi-pairing 1";

    private final Path file;
    private final Clock clock;
    private LocalDate day;
    private int starts;
    private int codes;

    private PairingBudget(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** Reads the day's counts from {@code stateDir}; a damaged file means today's budget is spent. */
    static PairingBudget open(Path stateDir, Clock clock) {
        PairingBudget b = new PairingBudget(stateDir.resolve(FILE), clock);
        b.load();
        return b;
    }

    /** Counts one pairing start, durably, if today's budget allows it. */
    boolean tryStart() throws IOException {
        rollDay();
        if (starts >= STARTS_PER_DAY) {
            return false;
        }
        starts++;
        save();
        return true;
    }

    /** Counts one code tried, durably and before it is checked, if today's budget allows it. */
    boolean tryCode() throws IOException {
        rollDay();
        if (codes >= CODES_PER_DAY) {
            return false;
        }
        codes++;
        save();
        return true;
    }

    int startsLeft() {
        rollDay();
        return STARTS_PER_DAY - starts;
    }

    int codesLeft() {
        rollDay();
        return CODES_PER_DAY - codes;
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private void rollDay() {
        LocalDate today = today();
        if (today.isAfter(day)) {
            day = today;
            starts = 0;
            codes = 0;
        }
    }

    private void load() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            day = today();
            return;
        } catch (IOException e) {
            spentToday("unreadable: " + e.getClass().getSimpleName());
            return;
        }
        try {
            if (lines.size() != 5 || !lines.get(0).equals(MAGIC) || !lines.get(4).startsWith("crc=")
                    || !lines.get(4).substring(4).equals(crc(lines.subList(0, 4)))) {
                throw new IllegalArgumentException("torn or damaged");
            }
            Map<String, String> v = new HashMap<>();
            for (String line : lines.subList(1, 4)) {
                int eq = line.indexOf('=');
                v.put(line.substring(0, eq), line.substring(eq + 1));
            }
            LocalDate stored = LocalDate.parse(v.get("day"));
            int s = Integer.parseInt(v.get("starts"));
            int c = Integer.parseInt(v.get("codes"));
            if (s < 0 || c < 0) {
                throw new IllegalArgumentException("negative count");
            }
            day = stored;
            starts = s;
            codes = c;
            LocalDate today = today();
            if (stored.isAfter(today)) {
                Logger.tag("security").warn("pairing budget: the clock is behind the day last counted ({}): that"
                        + " day's counts still apply", stored);
            }
        } catch (RuntimeException e) {
            spentToday("torn or damaged");
        }
    }

    private void spentToday(String why) {
        day = today();
        starts = STARTS_PER_DAY;
        codes = CODES_PER_DAY;
        Logger.tag("security").error("pairing budget file {}: pairing is shut until tomorrow (UTC)", why);
        try {
            save(); // written as "today, spent": tomorrow starts afresh instead of shut for good
        } catch (IOException e) {
            Logger.tag("security").error("pairing budget file cannot be rewritten: {}", e.getMessage());
        }
    }

    private void save() throws IOException {
        List<String> lines = List.of(MAGIC, "day=" + day, "starts=" + starts, "codes=" + codes);
        String text = String.join("\n", lines) + "\ncrc=" + crc(lines) + "\n";
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // a file system that cannot fsync a directory: the rename is still atomic
        }
    }

    private static String crc(List<String> lines) {
        CRC32 crc = new CRC32();
        crc.update((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }
}
