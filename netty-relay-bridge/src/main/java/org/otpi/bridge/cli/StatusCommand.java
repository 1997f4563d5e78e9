package org.otpi.bridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.HealthResponse;
import org.otpi.protocol.rpc.WhoamiResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code otpi status}: device (reachable, locked), pairing, relay (reachable, user), outbox,
 * messages waiting to be shown, and pad left per contact. Every line says what is wrong and what
 * to do; the exit code is 0 only when everything answers.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the device, pairing, relay and pad left per contact.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    OtpiCli root;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = root.out();
        ClientHome h = root.openHome();
        boolean ok = true;
        URI deviceUrl = root.deviceUri(h);
        String token = h.get(ClientHome.DEVICE_TOKEN);
        DeviceClient device = new DeviceClient(deviceUrl, token);
        boolean deviceUp = false;
        try {
            HealthResponse health = device.health();
            deviceUp = true;
            out.println("device    " + deviceUrl + "  answers (RPC v" + health.version() + "), "
                    + (health.unlocked() ? "unlocked" : "LOCKED: unlock it on the device's screen"));
            ok &= health.unlocked();
        } catch (IOException e) {
            out.println("device    " + e.getMessage());
            ok = false;
        }
        WhoamiResponse me = null;
        if (token == null) {
            out.println("paired    no: run 'otpi pair'");
            ok = false;
        } else if (deviceUp) {
            try {
                me = device.whoami();
                out.println("paired    yes, as '" + SafeText.escape(me.client()) + "' with device '" + SafeText.escape(me.deviceId()) + "'");
            } catch (IOException e) {
                out.println("paired    " + e.getMessage());
                ok = false;
            }
        } else {
            out.println("paired    yes (token stored), device not reachable now");
        }
        String relayUrl = root.relayUrl != null ? root.relayUrl.toString() : h.get(ClientHome.RELAY_URL);
        String user = h.get(ClientHome.USER);
        if (relayUrl == null) {
            out.println("relay     none yet: give it once with --relay URL");
            ok = false;
        } else if (h.get(ClientHome.RELAY_TOKEN) == null || !relayUrl.equals(h.get(ClientHome.RELAY_URL))) {
            out.println("relay     " + relayUrl + "  not registered yet: 'otpi --relay " + relayUrl + " inbox' registers");
            ok = false;
        } else {
            try (RelayApi relay = root.relaysFactory().connect(URI.create(relayUrl))) {
                relay.login(user, h.get(ClientHome.RELAY_TOKEN));
                List<RelayUser> users = relay.users();
                out.println("relay     " + relayUrl + "  answers, you are '" + SafeText.escape(user) + "' ("
                        + users.size() + " users)");
            } catch (IOException e) {
                out.println("relay     " + e.getMessage());
                ok = false;
            }
        }
        if (deviceUp && token != null) {
            try {
                int written = device.outbox().size();
                if (written > 0) {
                    out.println("device    " + written + " message(s) written on the device wait to be carried: 'otpi outbox'"
                            + " (chat and inbox do it by themselves)");
                }
            } catch (IOException e) {
                // said above (locked, not paired)
            }
        }
        int waiting = h.outbox().items().size();
        out.println("outbox    " + (waiting == 0 ? "empty" : waiting + " sealed message(s) wait for the relay"
                + " (sent with the next send, inbox or chat)"));
        int unshown = h.list(ClientHome.UNSHOWN).size();
        if (unshown > 0) {
            out.println("inbox     " + unshown + " received message(s) not shown yet: 'otpi inbox' shows them");
        }
        if (me != null) {
            try {
                List<ContactEntry> contacts = device.contacts();
                out.println("pads      " + (contacts.isEmpty() ? "none yet: exchange one on the device" : ""));
                for (ContactEntry c : contacts) {
                    out.printf(java.util.Locale.ROOT, "  %-20s user %-20s send %,14d  receive %,14d%s%s%n", SafeText.escape(c.name()),
                            SafeText.escape(c.remoteId()), c.sendRemaining(), c.receiveRemaining(),
                            c.lowPad() ? "  LOW PAD" : "", c.expired() ? "  EXPIRED" : "");
                }
            } catch (IOException e) {
                out.println("pads      " + e.getMessage());
                ok = false;
            }
        }
        out.flush();
        return ok ? 0 : 1;
    }
}
