package org.otpi.appliance.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin CLI end to end on two emulated devices, including every kind of bad input. */
class AdminCliTest {
    @TempDir
    Path dir;
    Path pinFile;
    Path padFile;
    String out;
    String err;

    int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = AdminMain.run(args, new PrintWriter(o, true), new PrintWriter(e, true), new ByteArrayInputStream(new byte[0]));
        out = o.toString();
        err = e.toString();
        return code;
    }

    String[] dev(String who, String... rest) {
        List<String> a = new ArrayList<>();
        a.add(rest[0]);
        a.addAll(List.of("--vault", dir.resolve(who + "-medium").toString(), "--state", dir.resolve(who + "-state").toString(),
                "--pin-file", pinFile.toString()));
        a.addAll(List.of(rest).subList(1, rest.length));
        return a.toArray(String[]::new);
    }

    @BeforeEach
    void devices() throws Exception {
        pinFile = dir.resolve("pin");
        Files.writeString(pinFile, "2468\n");
        padFile = dir.resolve("OTP.dat");
        byte[] pad = new byte[64 * 1024];
        new Random(5).nextBytes(pad);
        Files.write(padFile, pad);
        for (String who : new String[] {"alice", "bob"}) {
            assertEquals(0, run(dev(who, "init", "--device-id", who, "--kdf-memory-mib", "1")), err);
        }
        assertEquals(0, run(dev("alice", "import", "--contact", "Bob", "--remote-id", "bob", padFile.toString())), err);
        assertTrue(out.contains("Person 0"));
        assertEquals(0, run(dev("bob", "import", "--contact", "Alice", "--remote-id", "alice", padFile.toString())), err);
        assertTrue(out.contains("Person 1"));
    }

    @Test
    void armoredFile_roundTrips_andStatsMove() throws Exception {
        Path msg = dir.resolve("msg.txt");
        Files.writeString(msg, "The documents are in the blue folder.\n");
        Path sealed = dir.resolve("msg.otpi");
        assertEquals(0, run(dev("alice", "seal", "--contact", "Bob", "--in", msg.toString(), "--out", sealed.toString())), err);
        String text = Files.readString(sealed);
        assertTrue(text.startsWith("CdOtP\nSOH\n2\n"));
        assertTrue(text.contains("Post-Message-Pad-Status: Normal"));
        assertFalse(text.contains("blue folder"));
        Path opened = dir.resolve("opened.txt");
        assertEquals(0, run(dev("bob", "open", "--contact", "Alice", "--in", sealed.toString(), "--out", opened.toString())), err);
        assertEquals(Files.readString(msg), Files.readString(opened));
        assertEquals(0, run(dev("bob", "stats", "Alice")));
        assertTrue(out.contains("receive:          " + (Files.size(msg) + 32) + " used"), out);
        assertEquals(0, run(dev("alice", "contacts")));
        assertTrue(out.contains("Bob"));
        // opening it again is a replay
        assertEquals(6, run(dev("bob", "open", "--contact", "Alice", "--in", sealed.toString(), "--out", opened.toString())));
        assertTrue(err.contains("replay"), err);
    }

    @Test
    void largeBinaryFile_streamsThroughV2() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 / 2];
        new Random(9).nextBytes(big);
        Files.write(padFile, new byte[0]);
        Path bigPad = dir.resolve("big.pad");
        byte[] pad = new byte[4 * 1024 * 1024];
        new Random(10).nextBytes(pad);
        Files.write(bigPad, pad);
        assertEquals(0, run(dev("alice", "import", "--contact", "Bob2", "--remote-id", "bob", bigPad.toString())), err);
        assertEquals(0, run(dev("bob", "import", "--contact", "Alice2", "--remote-id", "alice", bigPad.toString())), err);
        Path in = dir.resolve("big.bin");
        Files.write(in, big);
        Path sealed = dir.resolve("big.otpi");
        assertEquals(0, run(dev("alice", "seal", "--contact", "Bob2", "--format", "v2", "--in", in.toString(), "--out", sealed.toString())), err);
        assertEquals(big.length + 42 + 16, Files.size(sealed));
        Path out2 = dir.resolve("big.out");
        assertEquals(0, run(dev("bob", "open", "--contact", "Alice2", "--in", sealed.toString(), "--out", out2.toString())), err);
        assertArrayEquals(big, Files.readAllBytes(out2));
        // a truncated copy is refused and writes nothing
        Path cut = dir.resolve("cut.otpi");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(sealed), (int) Files.size(sealed) - 100));
        Path out3 = dir.resolve("cut.out");
        int code = run(dev("bob", "open", "--contact", "Alice2", "--in", cut.toString(), "--out", out3.toString()));
        assertEquals(6, code, err);
        assertFalse(Files.exists(out3));
    }

    @Test
    void everyBadInput_getsAClearErrorAndItsExitCode() throws Exception {
        Path msg = dir.resolve("m.txt");
        Files.writeString(msg, "hello");
        Path sealed = dir.resolve("m.otpi");
        Files.writeString(dir.resolve("badpin"), "1111\n");
        String[] wrongPin = dev("alice", "contacts");
        wrongPin[6] = dir.resolve("badpin").toString();
        assertEquals(3, run(wrongPin));
        assertTrue(err.contains("wrong PIN"), err);
        assertEquals(4, run(dev("alice", "seal", "--contact", "Mallory", "--in", msg.toString(), "--out", sealed.toString())));
        assertTrue(err.contains("unknown contact"), err);
        assertEquals(7, run(dev("alice", "seal", "--contact", "Bob", "--in", dir.resolve("nope").toString())));
        assertTrue(err.contains("no such input file"), err);
        assertEquals(2, run(dev("alice", "seal", "--contact", "Bob", "--format", "rot13", "--in", msg.toString())));
        assertEquals(0, run(dev("alice", "seal", "--contact", "Bob", "--in", msg.toString(), "--out", sealed.toString())));
        String text = Files.readString(sealed);
        Files.writeString(sealed, text.substring(0, text.length() - 10));
        assertEquals(6, run(dev("bob", "open", "--contact", "Alice", "--in", sealed.toString(), "--out", dir.resolve("x").toString())));
        assertTrue(err.contains("truncated") || err.contains("EOM"), err);
        Files.writeString(sealed, text.replace("Normal", "Expired"));
        assertEquals(6, run(dev("bob", "open", "--contact", "Alice", "--in", sealed.toString(), "--out", dir.resolve("x").toString())));
        Files.write(sealed, new byte[] {1, 2, 3});
        assertEquals(6, run(dev("bob", "open", "--contact", "Alice", "--in", sealed.toString(), "--out", dir.resolve("x").toString())));
        assertEquals(4, run(dev("alice", "import", "--contact", "Bob", "--remote-id", "bob", padFile.toString())));
        assertEquals(2, run(dev("alice", "delete", "Bob")));
        // exhaust a small pad
        Path small = dir.resolve("small.pad");
        byte[] sp = new byte[1100];
        new Random(3).nextBytes(sp);
        Files.write(small, sp);
        assertEquals(0, run(dev("alice", "import", "--contact", "Carol", "--remote-id", "carol", small.toString())));
        Path big = dir.resolve("big.txt");
        Files.write(big, new byte[600]);
        assertEquals(5, run(dev("alice", "seal", "--contact", "Carol", "--in", big.toString(), "--out", sealed.toString())));
        assertTrue(err.contains("not enough pad"), err);
        assertEquals(0, run(dev("alice", "delete", "Carol", "--yes")));
        assertEquals(4, run(dev("alice", "stats", "Carol")));
    }

    @Test
    void expire_travelsAuthenticated_andRetiresThePadOnTheOtherSide() throws Exception {
        Path msg = dir.resolve("m.txt");
        Files.writeString(msg, "last one");
        Path sealed = dir.resolve("m.otpi");
        assertEquals(0, run(dev("alice", "seal", "--contact", "Bob", "--expire", "--in", msg.toString(), "--out", sealed.toString())), err);
        assertTrue(Files.readString(sealed, StandardCharsets.UTF_8).contains("Post-Message-Pad-Status: Expired"));
        assertEquals(5, run(dev("alice", "seal", "--contact", "Bob", "--in", msg.toString(), "--out", dir.resolve("y").toString())));
        assertEquals(0, run(dev("bob", "open", "--contact", "Alice", "--in", sealed.toString(), "--out", dir.resolve("o").toString())));
        assertTrue(err.contains("retired"), err);
        assertEquals(5, run(dev("bob", "seal", "--contact", "Alice", "--in", msg.toString(), "--out", dir.resolve("z").toString())));
    }

    @Test
    void generatedPad_goesOverInPerson_withMatchingFingerprints() throws Exception {
        assertEquals(0, run(dev("alice", "generate", "--contact", "Bob-new", "--remote-id", "bob", "--size", "256K",
                "--hrng", dir.resolve("no-hrng").toString())), err);
        assertTrue(err.contains("kernel RNG only"), err);
        Path medium = java.nio.file.Files.createDirectories(dir.resolve("stick"));
        assertEquals(0, run(dev("alice", "exchange-send", "--contact", "Bob-new", "--medium", medium.toString())), err);
        String code = out.replaceAll("(?s).*Transfer code \\(type it on the other device\\): (\\S+).*", "$1");
        String aliceWords = out.replaceAll("(?s).*Fingerprint[^:]*: ([^\\n]+).*", "$1").trim();
        Path wrong = dir.resolve("wrong-code");
        Files.writeString(wrong, "0000000000\n");
        assertEquals(3, run(dev("bob", "exchange-receive", "--contact", "Alice-new", "--medium", medium.toString(),
                "--code-file", wrong.toString())), err);
        assertEquals(4, run(dev("bob", "stats", "Alice-new")), "a wrong code imported something");
        Path codeFile = dir.resolve("code");
        Files.writeString(codeFile, code + "\n");
        assertEquals(0, run(dev("bob", "exchange-receive", "--contact", "Alice-new", "--medium", medium.toString(),
                "--code-file", codeFile.toString())), err);
        String bobWords = out.replaceAll("(?s).*Fingerprint[^:]*: ([^\\n]+).*", "$1").trim();
        assertEquals(aliceWords, bobWords);
        try (var files = Files.list(medium)) {
            assertEquals(0, files.count(), "transfer medium not wiped");
        }
        Path msg = dir.resolve("m.txt");
        Files.writeString(msg, "fresh pad works");
        Path sealed = dir.resolve("m.otpi");
        assertEquals(0, run(dev("alice", "seal", "--contact", "Bob-new", "--in", msg.toString(), "--out", sealed.toString())), err);
        Path opened = dir.resolve("m.out");
        assertEquals(0, run(dev("bob", "open", "--contact", "Alice-new", "--in", sealed.toString(), "--out", opened.toString())), err);
        assertEquals("fresh pad works", Files.readString(opened));
    }

    @Test
    void vaultMediumEvents_needNoPin_andSayWhatIsThere() throws Exception {
        assertEquals(0, run("vault", "attached", "--path", dir.resolve("alice-medium").toString()));
        assertTrue(out.contains("unlock it with the PIN"), out);
        Path empty = java.nio.file.Files.createDirectories(dir.resolve("blank-stick"));
        assertEquals(0, run("vault", "attached", "--path", empty.toString()));
        assertTrue(out.contains("empty medium"), out);
        assertEquals(7, run("vault", "attached", "--path", dir.resolve("missing").toString()));
        assertEquals(0, run("vault", "detached", "--path", empty.toString()));
        assertEquals(2, run("vault", "sideways", "--path", empty.toString()));
    }
}
