package org.otpi.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.rpc.CountingApprover;
import org.otpi.appliance.rpc.FakeDeviceService;
import org.otpi.appliance.rpc.RpcFixture;
import picocli.CommandLine;

/**
 * TEST-ONLY: two real RPC servers (fake devices alice and bob, 8,000,000 pad bytes a direction),
 * a fake relay, and the {@code otpi} client run in-process with captured output.
 */
final class CliHarness implements AutoCloseable {
    static final int PAD = 8_000_000;
    final FakeRelay relay = new FakeRelay().existing("alice", "bob", "carol", "dave");
    final CountingApprover aliceApprover = new CountingApprover(CountingApprover.Mode.APPROVE);
    final CountingApprover bobApprover = new CountingApprover(CountingApprover.Mode.APPROVE);
    final RpcFixture alice;
    final RpcFixture bob;
    final Path aliceHome;
    final Path bobHome;

    record Run(int code, String out) {
    }

    CliHarness(Path tmp) throws Exception {
        this(tmp, PAD);
    }

    CliHarness(Path tmp, long alicePad) throws Exception {
        alice = new RpcFixture(new FakeDeviceService("alice", alicePad, "bob", "carol"), aliceApprover);
        bob = new RpcFixture(new FakeDeviceService("bob", PAD, "alice"), bobApprover);
        aliceHome = tmp.resolve("alice-home");
        bobHome = tmp.resolve("bob-home");
    }

    Run run(Path home, InputStream stdin, String... args) {
        StringWriter out = new StringWriter();
        return run(home, stdin, new PrintWriter(out, true), out, args);
    }

    /** Runs with a given output writer ({@code captured} is what the test reads back). */
    Run run(Path home, InputStream stdin, PrintWriter writer, StringWriter captured, String... args) {
        CommandLine cl = OtpiCli.commandLine(new OtpiCli(relay, stdin));
        cl.setOut(writer);
        cl.setErr(writer);
        List<String> all = new ArrayList<>(List.of("--home", home.toString()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, captured.toString());
    }

    /** Stdin that blocks until the device has shown its pairing code, then "types" it (grouped if asked). */
    static InputStream codeFrom(RpcFixture device, String... typedFirst) {
        return new InputStream() {
            private InputStream typed;

            @Override
            public int read() throws IOException {
                if (typed == null) {
                    try {
                        String code = device.codes.poll(10, TimeUnit.SECONDS);
                        String grouped = code.substring(0, 4) + " " + code.substring(4);
                        StringBuilder b = new StringBuilder();
                        for (String t : typedFirst) {
                            b.append(t).append('\n');
                        }
                        b.append(grouped).append('\n');
                        typed = new ByteArrayInputStream(b.toString().getBytes(StandardCharsets.US_ASCII));
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                return typed.read();
            }
        };
    }

    static InputStream lines(String... lines) {
        return new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Pairs both laptops (typing the code grouped, as the device shows it) and registers both on the relay. */
    void pairBoth() {
        Run a = run(aliceHome, codeFrom(alice), "--device", alice.base.toString(), "pair", "--name", "alice-laptop");
        assertEquals(0, a.code(), a.out());
        assertTrue(a.out().contains("Paired with the device at " + alice.base + " as 'alice-laptop'"), a.out());
        Run b = run(bobHome, codeFrom(bob), "--device", bob.base.toString(), "pair", "--name", "bob-laptop");
        assertEquals(0, b.code(), b.out());
        assertEquals(0, run(aliceHome, lines(), "--relay", FakeRelay.URI.toString(), "inbox").code());
        assertEquals(0, run(bobHome, lines(), "--relay", FakeRelay.URI.toString(), "inbox").code());
    }

    @Override
    public void close() throws Exception {
        alice.close();
        bob.close();
    }
}
