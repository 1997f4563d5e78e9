package org.otpi.bench.kiosk;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javafx.application.Platform;
import javafx.event.Event;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.stage.Stage;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.otpi.appliance.kiosk.KioskApprover;
import org.otpi.appliance.kiosk.KioskServer;
import org.otpi.kiosk.KioskClient;
import org.otpi.kiosk.KioskUi;
import org.otpi.protocol.kiosk.KioskCodec;
import org.otpi.protocol.kiosk.KioskMessage;

/**
 * Kiosk figures (issue 5): time from an approval request to the dialog laid out on screen, and
 * from the touch on Approve to the decision reaching the approver, through the real socket and
 * the real JavaFX kiosk rendered by Monocle headless (software pipeline). Baseline in the same
 * run: a bare socket client that answers each prompt at once (no UI). Then the kiosk process's
 * resident memory, started as a separate JVM.
 *
 * <pre>
 * ./mvnw -B -q -pl bench -am package -DskipTests
 * java -cp 'bench/target/otpi-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' org.otpi.bench.kiosk.KioskLatency
 * </pre>
 *
 * The "touch" is a synthetic MOUSE_PRESSED/RELEASED pair fired at the Approve button on the FX
 * thread: it covers event dispatch, the handler, the socket and the appliance, not the
 * touchscreen driver.
 */
public final class KioskLatency {
    private static final int WARMUP = 10;
    private static final int ROUNDS = 40;

    private KioskLatency() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("glass.platform", "Monocle");
        System.setProperty("monocle.platform", "Headless");
        System.setProperty("prism.order", "sw");
        System.setProperty("java.awt.headless", "true");
        Path dir = Files.createTempDirectory("otpi-kiosk-bench");
        Path socket = dir.resolve("kiosk.sock");
        StandingApprovals standing = new StandingApprovals(Clock.systemUTC());
        InMemoryKioskBackend backend = InMemoryKioskBackend.demo(Clock.systemUTC(), standing);
        backend.unlock("1234".toCharArray());
        KioskApprover approver = new KioskApprover(Duration.ofSeconds(30), Clock.systemUTC());
        try (KioskServer server = KioskServer.start(socket, System.getProperty("user.name"), backend, approver)) {
            double[][] base = baseline(socket, server, approver, backend);
            double[][] ui = withUi(socket, server, approver, backend);
            report("request -> prompt (bare socket client)", base[0]);
            report("request -> dialog laid out (JavaFX kiosk)", ui[0]);
            report("answer -> approver (bare socket client)", base[1]);
            report("touch -> approver (JavaFX kiosk)", ui[1]);
            System.out.printf(Locale.ROOT, "ratio kiosk/bare, median: prompt %.1fx, answer %.1fx%n",
                    median(ui[0]) / median(base[0]), median(ui[1]) / median(base[1]));
            memory(socket, backend);
        } finally {
            approver.close();
            Platform.exit();
        }
        System.exit(0);
    }

    /** A bare client: reads each prompt and answers it at once. */
    private static double[][] baseline(Path socket, KioskServer server, KioskApprover approver,
                                       InMemoryKioskBackend backend) throws Exception {
        double[] prompt = new double[ROUNDS];
        double[] answer = new double[ROUNDS];
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            waitFor(() -> server.sessionCount() == 1);
            KioskCodec.LineReader lines = new KioskCodec.LineReader(ch);
            for (int i = -WARMUP; i < ROUNDS; i++) {
                String id = "b" + i;
                long t0 = System.nanoTime();
                CompletableFuture<Decision> f = approver.request(
                        backend.sealRequest(id, "bench", "bob", 100, Duration.ofSeconds(30)));
                KioskMessage m;
                do {
                    m = KioskCodec.decode(lines.readLine());
                } while (!(m instanceof KioskMessage.ApprovalPrompt p && p.requestId().equals(id)));
                long t1 = System.nanoTime();
                KioskCodec.write(ch, new KioskMessage.Decide(i + 1000, id, true));
                f.get(5, TimeUnit.SECONDS);
                long t2 = System.nanoTime();
                if (i >= 0) {
                    prompt[i] = (t1 - t0) / 1e6;
                    answer[i] = (t2 - t1) / 1e6;
                }
            }
        }
        waitFor(() -> server.sessionCount() == 0);
        return new double[][] {prompt, answer};
    }

    private static double[][] withUi(Path socket, KioskServer server, KioskApprover approver,
                                     InMemoryKioskBackend backend) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        KioskClient client = new KioskClient(socket);
        KioskUi[] ui = new KioskUi[1];
        AtomicLong shownAt = new AtomicLong();
        Platform.startup(() -> {
            ui[0] = new KioskUi(client);
            Stage stage = new Stage();
            Scene scene = new Scene(ui[0].root(), 800, 480);
            stage.setScene(scene);
            stage.show();
            Runnable[] once = new Runnable[1];
            ui[0].onPromptShown(() -> {
                once[0] = () -> {
                    shownAt.compareAndSet(0, System.nanoTime());
                    scene.removePostLayoutPulseListener(once[0]);
                };
                scene.addPostLayoutPulseListener(once[0]);
                Platform.requestNextPulse();
            });
            ui[0].start();
            started.countDown();
        });
        started.await();
        waitFor(() -> server.sessionCount() == 1 && client.isConnected());
        Thread.sleep(1500); // first layout, contacts loaded
        double[] prompt = new double[ROUNDS];
        double[] answer = new double[ROUNDS];
        for (int i = -WARMUP; i < ROUNDS; i++) {
            shownAt.set(0);
            String id = "u" + i;
            long t0 = System.nanoTime();
            CompletableFuture<Decision> f = approver.request(
                    backend.sealRequest(id, "bench", "bob", 100, Duration.ofSeconds(30)));
            waitFor(() -> shownAt.get() != 0);
            long t1 = shownAt.get();
            AtomicLong touchAt = new AtomicLong();
            Platform.runLater(() -> {
                Node approve = ui[0].root().lookup("#approve");
                touchAt.set(System.nanoTime());
                Event.fireEvent(approve, mouse(approve, MouseEvent.MOUSE_PRESSED));
                Event.fireEvent(approve, mouse(approve, MouseEvent.MOUSE_RELEASED));
            });
            if (f.get(5, TimeUnit.SECONDS) != Decision.APPROVE) {
                throw new IllegalStateException("touch did not approve");
            }
            long t2 = System.nanoTime();
            Thread.sleep(50); // let the dialog close
            if (i >= 0) {
                prompt[i] = (t1 - t0) / 1e6;
                answer[i] = (t2 - touchAt.get()) / 1e6;
            }
        }
        client.close();
        waitFor(() -> server.sessionCount() == 0);
        return new double[][] {prompt, answer};
    }

    private static MouseEvent mouse(Node n, javafx.event.EventType<MouseEvent> type) {
        var b = n.localToScene(n.getBoundsInLocal());
        double x = b.getCenterX();
        double y = b.getCenterY();
        return new MouseEvent(type, x, y, x, y, MouseButton.PRIMARY, 1, false, false, false, false,
                type == MouseEvent.MOUSE_PRESSED, false, false, true, false, true, null);
    }

    /** Starts the kiosk as its own JVM (as on the device) and reads its resident set. */
    private static void memory(Path socket, InMemoryKioskBackend backend) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        for (List<String> flags : List.of(List.<String>of(), List.of("-Xmx64m", "-XX:+UseSerialGC", "-Xss512k"))) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(flags);
            cmd.addAll(List.of("-Dglass.platform=Monocle", "-Dmonocle.platform=Headless", "-Dprism.order=sw",
                    "-cp", System.getProperty("java.class.path"), "org.otpi.kiosk.KioskLauncher",
                    "--socket=" + socket, "--window=800x480"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                Thread.sleep(8000);
                long rss = 0;
                long hwm = 0;
                for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("\\D", ""));
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
                System.out.printf(Locale.ROOT, "kiosk process %s: VmRSS %.0f MiB, VmHWM %.0f MiB%n",
                        flags.isEmpty() ? "(default JVM flags)" : String.join(" ", flags), rss / 1024.0, hwm / 1024.0);
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
    }

    private static void report(String what, double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%-45s n=%d median %.2f ms  p90 %.2f ms  max %.2f ms%n", what, s.length,
                median(s), s[(int) (s.length * 0.9)], s[s.length - 1]);
    }

    private static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check c) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.ok()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out");
            }
            Thread.sleep(1);
        }
    }
}
