package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.device.VaultPads;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.testfx.api.FxRobot;

/**
 * The exchange on the screen against real vaults: this kiosk is alice's device (a real
 * {@link VaultKioskBackend}); bob and carol are real vaults driven directly. Alice hands her pad
 * for bob over on the screen and bob's device takes it with the code read off the screen; carol
 * hands one over and alice types carol's code on the screen. Same words on both sides each time.
 */
class KioskRealDeviceExchangeTest extends KioskFxTest {
    private static final char[] PIN = "2468-test".toCharArray();
    private final java.util.List<AutoCloseable> open = new java.util.ArrayList<>();
    private VaultKioskBackend alice;
    private VaultKioskBackend bob;
    private VaultKioskBackend carol;
    private Path usb;

    @Override
    InMemoryKioskBackend backend(StandingApprovals standing) {
        return InMemoryKioskBackend.empty(Clock.systemUTC(), standing); // unused: the real one serves
    }

    @Override
    KioskBackend serverBackend() throws Exception {
        usb = Files.createDirectories(dir.resolve("otpi-usb"));
        vault("alice", "bob");
        vault("bob", null);
        vault("carol", "alice");
        alice = backend("alice");
        bob = backend("bob");
        carol = backend("carol");
        return alice;
    }

    /** A vault for {@code id}, with a fresh pad made "here" for {@code padFor} (or none). */
    private void vault(String id, String padFor) throws Exception {
        try (Vault v = Vault.create(dir.resolve(id + "-medium"), dir.resolve(id + "-state"), id, PIN.clone(),
                new Argon2id(1024, 1, 1), VaultPolicy.DEFAULT)) {
            if (padFor != null) {
                byte[] pad = new byte[48 * 1024];
                new Random(id.hashCode()).nextBytes(pad);
                var sink = VaultPads.sink(v, padFor, padFor, pad.length, "kernel");
                sink.write(pad, 0, pad.length);
                sink.commit();
            }
        }
    }

    private VaultKioskBackend backend(String id) {
        Device d = new Device(dir.resolve(id + "-medium"), dir.resolve(id + "-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
        VaultKioskBackend b = new VaultKioskBackend(d, new StandingApprovals(Clock.systemUTC()), null, List::of, List::of);
        open.add(d);
        return b;
    }

    @AfterEach
    void closeDevices() throws Exception {
        for (VaultKioskBackend b : List.of(alice, bob, carol)) {
            b.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void handOverAndReceive_onTheScreen_withRealVaults(FxRobot robot) {
        waitForConnection();
        alice.unlock(PIN.clone());
        bob.unlock(PIN.clone());
        carol.unlock(PIN.clone());
        waitFor(() -> visible(robot, "#handover-bob"));
        robot.interact(() -> robot.lookup("#media-path").queryAs(TextField.class).setText(usb.toString()));

        robot.clickOn("#handover-bob");
        Label code = robot.lookup("#exchange-code").queryAs(Label.class);
        waitFor(() -> !code.getText().isEmpty());
        String aliceWords = robot.lookup("#exchange-words").queryAs(Label.class).getText();
        KioskBackend.Received atBob = bob.exchangeReceive(usb.toString(), code.getText().toCharArray());
        assertEquals("alice", atBob.contact());
        assertEquals(Arrays.asList(aliceWords.trim().split("\\s+")), atBob.fingerprint(),
                "bob's device shows the words on alice's screen");
        robot.clickOn("#exchange-close");
        waitFor(() -> !ui.exchangeShowing());

        KioskBackend.HandedOver fromCarol = carol.exchangeSend("alice", usb.toString());
        robot.clickOn("#receive");
        waitFor(ui::exchangeShowing);
        robot.clickOn("#exchange-typed").write(new String(fromCarol.code()));
        robot.clickOn("#exchange-receive");
        Label title = robot.lookup("#exchange-title").queryAs(Label.class);
        waitFor(() -> title.getText().contains("carol"));
        String words = robot.lookup("#exchange-words").queryAs(Label.class).getText();
        assertEquals(fromCarol.fingerprint(), Arrays.asList(words.trim().split("\\s+")));
        assertTrue(alice.contacts().stream().anyMatch(c -> c.contact().equals("carol") && c.source().equals("imported")));
        try (var files = Files.list(usb)) {
            assertFalse(files.findAny().isPresent(), "the stick is wiped");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        robot.clickOn("#exchange-close");
        waitFor(() -> visible(robot, "#pad-carol"));
    }
}
