package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.otpi.appliance.pad.PadFile;

/**
 * Every AEAD nonce stored on a vault medium: journal records, pad file slots, redo files and the
 * header's wrap. Used by the rollback tests to prove that no nonce is ever written twice.
 */
final class MediumNonces {
    private MediumNonces() {
    }

    static List<String> all(Path medium) throws IOException {
        List<String> out = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        byte[] j = Files.readAllBytes(medium.resolve("journal"));
        int pos = 24;
        while (pos + 4 + 24 + 16 <= j.length) {
            int len = ByteBuffer.wrap(j, pos, 4).getInt();
            if (len < 0 || pos + 4 + 24 + len + 16 > j.length) {
                break;
            }
            out.add("journal:" + hex.formatHex(j, pos + 4, pos + 4 + 24));
            pos += 4 + 24 + len + 16;
        }
        byte[] h = Files.readAllBytes(medium.resolve("vault.hdr"));
        out.add("header:" + hex.formatHex(h, 52, 64));
        try (Stream<Path> files = Files.list(medium.resolve("pads"))) {
            for (Path f : files.toList()) {
                byte[] b = Files.readAllBytes(f);
                if (f.getFileName().toString().endsWith(".redo")) {
                    if (b.length >= 12 + 24) {
                        out.add("redo:" + hex.formatHex(b, 12, 36)); // a copy of a slot write, made first
                    }
                    continue;
                }
                for (int off = 0; off + 24 <= b.length; off += PadFile.SLOT_SIZE) {
                    String n = hex.formatHex(b, off, off + 24);
                    if (!n.equals("0".repeat(48))) {
                        out.add("slot:" + n);
                    }
                }
            }
        }
        return out;
    }

    /** Byte offsets just after each whole journal record (record boundaries), in order. */
    static List<Integer> journalBoundaries(Path medium) throws IOException {
        byte[] j = Files.readAllBytes(medium.resolve("journal"));
        List<Integer> out = new ArrayList<>();
        int pos = 24;
        while (pos + 4 <= j.length) {
            int len = ByteBuffer.wrap(j, pos, 4).getInt();
            if (len < 0 || pos + 4 + 24 + len + 16 > j.length) {
                break;
            }
            pos += 4 + 24 + len + 16;
            out.add(pos);
        }
        return out;
    }

    static void copyTree(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            deleteTree(to);
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
