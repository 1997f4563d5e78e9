package org.otpi.appliance.approval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.otpi.protocol.kiosk.VisibleText;
import org.tinylog.Logger;

/**
 * Asks the person at the appliance's own terminal (emulation). Questions are asked one at a time
 * in arrival order; only an explicit {@code y} or {@code yes} approves, anything else, end of
 * input, or no answer by the request's deadline denies (no answer: the future fails with
 * {@link ApprovalTimeoutException}; end of input: with {@link ApproverUnavailableException},
 * nobody can answer here).
 *
 * <p>Thread-safety: {@link #request} only enqueues; one daemon thread owns the terminal.
 */
public final class ConsoleApprover implements Approver, AutoCloseable {
    private record Pending(ApprovalRequest request, CompletableFuture<Decision> answer) {
    }

    private final BufferedReader in;
    private final PrintStream out;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread asker;
    private final Thread reader;
    private volatile boolean closed;
    private volatile boolean inputEnded;
    private static final String EOF = new String("<eof>");

    public ConsoleApprover(BufferedReader in, PrintStream out) {
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.reader = new Thread(this::readLines, "otpi-console-reader");
        this.asker = new Thread(this::askLoop, "otpi-console-approver");
        reader.setDaemon(true);
        asker.setDaemon(true);
        reader.start();
        asker.start();
    }

    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        CompletableFuture<Decision> answer = new CompletableFuture<>();
        if (closed) {
            answer.complete(Decision.DENY);
        } else {
            queue.add(new Pending(request, answer));
        }
        return answer;
    }

    @Override
    public void cancel(String requestId) {
        queue.removeIf(p -> p.request().id().equals(requestId) && p.answer().complete(Decision.DENY));
    }

    private void readLines() {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            Logger.warn(e, "console approver input failed");
        }
        inputEnded = true;
        lines.add(EOF);
    }

    private void askLoop() {
        boolean eof = false;
        while (!closed) {
            Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (p.answer().isDone()) {
                continue;
            }
            lines.clear(); // type-ahead never answers a question that was not yet shown
            eof |= inputEnded;
            ApprovalRequest r = p.request();
            synchronized (out) {
                out.println();
                out.println("=== OTPi approval " + r.id().substring(0, 8) + " ===");
                ApprovalRequest.Details what = r.details();
                out.println("  client   : " + VisibleText.name(r.client()));
                out.println("  contact  : " + VisibleText.name(r.contact())
                        + (what.contactId().isEmpty() ? "" : " (relay id " + VisibleText.name(what.contactId()) + ")"));
                out.println("  operation: " + r.operation() + ", " + (what.lengthUpTo() ? "up to " : "")
                        + r.messageLength() + " bytes");
                if (r.operation() == ApprovalRequest.Operation.SEAL) {
                    // What is sealed, not what the laptop says it is (DESIGN section 8).
                    out.println("  text     : | " + VisibleText.plain(what.text()).replace("\n", "\n           | "));
                }
                if (!what.fingerprint().isEmpty()) {
                    out.println("  file     : " + VisibleText.name(what.fileName()) + " (the laptop's name for it), SHA-256 "
                            + what.fingerprint() + " (checked by the device)");
                }
                out.println("  pad used : " + r.padBytes() + " bytes, " + r.padRemainingAfter() + " left after");
                out.print("  approve? [y/N] ");
                out.flush();
            }
            Decision d = Decision.DENY;
            boolean answered = false;
            long waitMs = Duration.between(Instant.now(), r.deadline()).toMillis();
            if (!eof && waitMs > 0) {
                try {
                    String answer = lines.poll(waitMs, TimeUnit.MILLISECONDS);
                    if (answer == EOF) {
                        eof = true;
                    } else if (answer != null) {
                        answered = true;
                        String a = answer.trim().toLowerCase(Locale.ROOT);
                        d = a.equals("y") || a.equals("yes") ? Decision.APPROVE : Decision.DENY;
                    }
                } catch (InterruptedException e) {
                    p.answer().complete(Decision.DENY);
                    return;
                }
            }
            boolean timedOut = !answered && !eof;
            synchronized (out) {
                out.println(d == Decision.APPROVE ? "  -> approved" : timedOut ? "  -> no answer in time: denied"
                        : eof ? "  -> no console input: denied" : "  -> denied");
                out.flush();
            }
            // Both are denials by the Approver contract; the laptop is told which it was.
            if (timedOut) {
                p.answer().completeExceptionally(new ApprovalTimeoutException("no answer on the console in time"));
            } else if (eof) {
                p.answer().completeExceptionally(new ApproverUnavailableException("the console's input has ended"));
            } else {
                p.answer().complete(d);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        asker.interrupt();
        Pending p;
        while ((p = queue.poll()) != null) {
            p.answer().complete(Decision.DENY);
        }
    }
}
