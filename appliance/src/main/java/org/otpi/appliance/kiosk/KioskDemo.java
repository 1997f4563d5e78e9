package org.otpi.appliance.kiosk;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.StandingApprovals;

/**
 * Emulation without a vault: the kiosk socket backed by {@link InMemoryKioskBackend} (PIN 1234),
 * asking for an approval every few seconds as a laptop would. For the README walkthrough and the
 * kiosk figures; the real daemon wires {@link KioskServer} to the vault instead.
 *
 * <pre>
 * java -cp 'appliance/target/otpi-appliance-0.1.0-SNAPSHOT.jar:appliance/target/lib/*' \
 *      org.otpi.appliance.kiosk.KioskDemo /tmp/otpi/kiosk.sock 20 [first-run]
 * </pre>
 * With {@code first-run} the fake medium holds no vault: the kiosk shows the setup screen, and
 * the PIN chosen there unlocks afterwards.
 */
public final class KioskDemo {
    private KioskDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args.length > 0 ? args[0] : "/tmp/otpi/kiosk.sock");
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        StandingApprovals standing = new StandingApprovals(Clock.systemUTC());
        boolean firstRun = args.length > 2 && args[2].equals("first-run");
        InMemoryKioskBackend backend = firstRun ? InMemoryKioskBackend.empty(Clock.systemUTC(), standing)
                : InMemoryKioskBackend.demo(Clock.systemUTC(), standing);
        KioskApprover kiosk = new KioskApprover();
        Approver approver = standing.orElse(kiosk);
        KioskServer server = KioskServer.start(socket, System.getProperty("user.name"), backend, kiosk);
        System.out.println("OTPi kiosk demo: IN-MEMORY FAKE VAULT, " + (firstRun ? "NO VAULT YET (set one up on the screen)"
                : "PIN 1234") + ", socket " + socket);
        if (!firstRun) {
            // the other device's half of an in-person exchange, to try Pads -> Receive
            backend.stageIncoming("/media/otpi-usb", "erin-pi", 16 << 20, "7K3QM-2XW9P");
            System.out.println("a transfer package from erin-pi waits on /media/otpi-usb: Pads -> Receive, code 7K3QM-2XW9P");
            // read on the device: a message kept for the screen once the PIN is in (Messages tab)
            Thread keep = new Thread(() -> {
                while (!backend.isUnlocked()) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                backend.deliverOnDevice("bob", "Read on the device only: the laptop never got this text.");
            }, "demo-inbox");
            keep.setDaemon(true);
            keep.start();
        }
        ScheduledExecutorService laptop = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger n = new AtomicInteger();
        String[] contacts = {"alice", "bob", "carol"};
        laptop.scheduleWithFixedDelay(() -> {
            if (!backend.isUnlocked()) {
                return;
            }
            int i = n.incrementAndGet();
            String contact = contacts[i % contacts.length];
            long length = 20 + (i * 37L) % 400;
            try {
                var request = backend.sealRequest("demo-" + i, "laptop (alice-x1)", contact, length, Duration.ofSeconds(30));
                approver.request(request).whenComplete((d, e) -> {
                    System.out.println("seal " + length + " bytes for " + contact + ": " + (e == null ? d : "DENY (" + e.getMessage() + ")"));
                    if (e == null && d == org.otpi.appliance.approval.Decision.APPROVE) {
                        backend.seal(contact, length);
                    }
                });
            } catch (KioskBackend.Failure f) {
                System.out.println("seal for " + contact + ": " + f.getMessage());
            }
        }, every, every, TimeUnit.SECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            laptop.shutdownNow();
            server.close();
            kiosk.close();
        }));
        Thread.currentThread().join();
    }
}
