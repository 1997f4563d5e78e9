package org.otpi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/otpi-emulate}'s answers before it starts anything: help, bad options, taken ports. */
class EmulateScriptTest {
    private static ReadmeWalkthroughTest.Proc emulate(Path dir, String... args) throws Exception {
        Path repo = ReadmeWalkthroughTest.repoRoot();
        List<String> cmd = new java.util.ArrayList<>(List.of(repo.resolve("bin/otpi-emulate").toString()));
        cmd.addAll(List.of(args));
        return ReadmeWalkthroughTest.Proc.start(repo, dir, cmd);
    }

    @Test
    void help_isHelp(@TempDir Path dir) throws Exception {
        ReadmeWalkthroughTest.Proc p = emulate(dir, "--help");
        assertEquals(0, p.waitFor(30));
        for (String option : List.of("--approve", "--pad-size", "--fresh", "--dir", "--relay-port", "--port", "--no-build",
                "demo PIN of both devices is 1234", "libgtk-3-0")) {
            assertTrue(p.output().contains(option), option + " missing from:\n" + p.output());
        }
    }

    @Test
    void badOptions_areOneClearLine(@TempDir Path dir) throws Exception {
        ReadmeWalkthroughTest.Proc size = emulate(dir, "--pad-size", "lots");
        assertEquals(2, size.waitFor(30));
        assertEquals("otpi-emulate: --pad-size must look like 64M, 512K or 1G (got 'lots')", size.output().strip());
        ReadmeWalkthroughTest.Proc unknown = emulate(dir, "--colour");
        assertEquals(2, unknown.waitFor(30));
        assertEquals("otpi-emulate: unknown option '--colour' (see --help)", unknown.output().strip());
    }

    @Test
    void takenPort_isNamed_andNothingStarts(@TempDir Path dir) throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            ReadmeWalkthroughTest.Proc p = emulate(dir, "--no-build", "--dir", dir.resolve("emu").toString(),
                    "--relay-port", String.valueOf(port), "--port", String.valueOf(ReadmeWalkthroughTest.freePort(2)));
            assertEquals(1, p.waitFor(30), p.output());
            assertTrue(p.output().startsWith("otpi-emulate: port " + port + " on 127.0.0.1 is already in use"), p.output());
            assertTrue(p.output().contains("--relay-port N"), p.output());
            assertFalse(p.output().contains("Exception"), p.output());
            assertFalse(Files.exists(dir.resolve("emu")), "nothing was created");
        }
    }
}
