package org.otpi.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ApplianceMainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ApplianceMain());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void serveWithAuto_failsClearlyWithoutAVault() throws Exception {
        Path pin = dir.resolve("pin");
        Files.writeString(pin, "1234\n");
        Run r = run("serve", "--vault", dir.resolve("v").toString(), "--state", dir.resolve("s").toString(),
                "--approve=auto", "--port", "0", "--pin-file", pin.toString());
        assertTrue(r.out().contains("WARNING: --approve=auto"), r.out());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no vault in"), r.err());
    }

    @Test
    void serveWithoutVault_isAUsageError() {
        Run r = run("serve", "--approve=deny");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--vault and --state are required"), r.err());
    }

    @Test
    void standingApprovals_areAnnounced_andApplied() throws Exception {
        StringWriter out = new StringWriter();
        org.otpi.appliance.approval.Approver a = ApplianceMain.withStanding(new org.otpi.appliance.approval.DenyApprover(),
                java.util.List.of("bob:100:10"), new PrintWriter(out, true));
        assertTrue(out.toString().contains("STANDING APPROVAL: up to 100 pad bytes for 'bob'"), out.toString());
        org.otpi.appliance.approval.ApprovalRequest r = new org.otpi.appliance.approval.ApprovalRequest("1", "c", "bob",
                org.otpi.appliance.approval.ApprovalRequest.Operation.SEAL, 10, 60, 0, java.time.Instant.now().plusSeconds(5));
        assertEquals(org.otpi.appliance.approval.Decision.APPROVE, a.request(r).join());
        assertTrue(a.request(r).isCompletedExceptionally(),
                "budget of 100 spent after 60+60: the deny-only device is asked, and has nobody to ask");
    }

    @Test
    void clients_listsAndRevokes() throws Exception {
        org.otpi.appliance.rpc.ClientRegistry reg = org.otpi.appliance.rpc.ClientRegistry.open(dir);
        String token = reg.issue("laptop");
        Run list = run("clients", "--state", dir.toString());
        assertEquals(0, list.code());
        assertEquals("laptop", list.out().strip());
        assertEquals(0, run("clients", "--state", dir.toString(), "--revoke", "laptop").code());
        assertTrue(org.otpi.appliance.rpc.ClientRegistry.open(dir).authenticate(token).isEmpty(), "revoked token is dead");
        assertEquals(1, run("clients", "--state", dir.toString(), "--revoke", "laptop").code());
    }

    @Test
    void configFile_isRead_andOptionsOverrideIt() throws Exception {
        Path conf = dir.resolve("appliance.properties");
        Files.writeString(conf, "vault=" + dir.resolve("v") + "\nstate=" + dir.resolve("s") + "\napprove=deny\nport=9999\n");
        ApplianceMain.Serve serve = new ApplianceMain.Serve();
        new CommandLine(serve).parseArgs("--config", conf.toString(), "--port", "1234");
        ApplianceMain.Settings s = serve.settings();
        assertEquals(ApplianceMain.ApproveMode.deny, s.approve);
        assertEquals(1234, s.port);
        assertEquals("127.0.0.1", s.bind);
        assertEquals(dir.resolve("v"), s.vault);
    }

    @Test
    void theImagesConfigKeys_areRead() throws Exception {
        Path conf = dir.resolve("appliance.conf");
        Files.writeString(conf, "rpc.bind = 10.55.0.1\nrpc.port = 8470\nvault.path = /media/otpi-vault\n"
                + "state.dir = /var/lib/otpi\nhrng.device = /dev/otpi-hrng\nkiosk.socket = /run/otpi-ui/kiosk.sock\n"
                + "kiosk.user = otpi-kiosk\napprove = kiosk\n");
        ApplianceMain.Serve serve = new ApplianceMain.Serve();
        new CommandLine(serve).parseArgs("--config", conf.toString());
        ApplianceMain.Settings s = serve.settings();
        assertEquals("10.55.0.1", s.bind);
        assertEquals(8470, s.port);
        assertEquals(Path.of("/media/otpi-vault"), s.vault);
        assertEquals(Path.of("/var/lib/otpi"), s.state);
        assertEquals(ApplianceMain.ApproveMode.kiosk, s.approve);
        assertEquals(Path.of("/run/otpi-ui/kiosk.sock"), serve.kioskSocket);
        assertEquals("otpi-kiosk", serve.kioskUser);
        assertEquals(java.util.List.of(Path.of("/dev/otpi-hrng")), serve.hrng);
    }
}
