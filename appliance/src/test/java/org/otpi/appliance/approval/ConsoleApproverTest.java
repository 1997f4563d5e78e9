package org.otpi.appliance.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsoleApproverTest {
    private PipedOutputStream keyboard;
    private ByteArrayOutputStream screen;
    private ConsoleApprover approver;

    @BeforeEach
    void setUp() throws Exception {
        keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard);
        screen = new ByteArrayOutputStream();
        approver = new ConsoleApprover(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)),
                new PrintStream(screen, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() throws Exception {
        approver.close();
        keyboard.close();
    }

    static ApprovalRequest request(long deadlineMs) {
        return new ApprovalRequest(UUID.randomUUID().toString(), "laptop", "bob", ApprovalRequest.Operation.SEAL,
                5, 37, 1000, Instant.now().plusMillis(deadlineMs));
    }

    private void answerWhenAsked(int prompts, String line) throws Exception {
        long end = System.currentTimeMillis() + 5000;
        while (count(screen.toString(StandardCharsets.UTF_8), "approve? [y/N]") < prompts) {
            assertTrue(System.currentTimeMillis() < end, "prompt never shown");
            Thread.sleep(10);
        }
        Thread.sleep(50);
        keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void yesApproves_anythingElseDenies() throws Exception {
        CompletableFuture<Decision> first = approver.request(request(5000));
        answerWhenAsked(1, "y");
        assertEquals(Decision.APPROVE, first.get(5, TimeUnit.SECONDS));
        CompletableFuture<Decision> second = approver.request(request(5000));
        answerWhenAsked(2, "sure");
        assertEquals(Decision.DENY, second.get(5, TimeUnit.SECONDS));
        CompletableFuture<Decision> third = approver.request(request(5000));
        answerWhenAsked(3, "");
        assertEquals(Decision.DENY, third.get(5, TimeUnit.SECONDS), "the default is no");
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("client   : laptop"));
        assertTrue(shown.contains("pad used : 37 bytes, 1000 left after"));
    }

    @Test
    void theConsoleShowsTheTextToBeSealed_withHiddenCharactersMarked_andAFilesFingerprint() throws Exception {
        byte[] text = "pay 90\u202e09\nto bob".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Decision> seal = approver.request(new ApprovalRequest(UUID.randomUUID().toString(), "laptop",
                "bob", ApprovalRequest.Operation.SEAL, text.length, text.length + 32, 1000, Instant.now().plusMillis(5000),
                new ApprovalRequest.Details("bob-pi", text, "", "", false, false)));
        answerWhenAsked(1, "n");
        assertEquals(Decision.DENY, seal.get(5, TimeUnit.SECONDS));
        CompletableFuture<Decision> file = approver.request(new ApprovalRequest(UUID.randomUUID().toString(), "laptop",
                "bob", ApprovalRequest.Operation.SEAL_FILE, 99, 131, 1000, Instant.now().plusMillis(5000),
                new ApprovalRequest.Details("bob-pi", null, "plan.pdf", "3f2a 9c01 77be 0d4e", false, false)));
        answerWhenAsked(2, "n");
        assertEquals(Decision.DENY, file.get(5, TimeUnit.SECONDS));
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("contact  : bob (relay id bob-pi)"), shown);
        assertTrue(shown.contains("text     : | pay 90\\u202e09↵\n           | to bob"), shown);
        assertTrue(shown.contains("file     : plan.pdf (the laptop's name for it), SHA-256 3f2a 9c01 77be 0d4e"), shown);
    }

    @Test
    void noAnswerByTheDeadline_deniesAsATimeout() throws Exception {
        CompletableFuture<Decision> d = approver.request(request(300));
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> d.get(5, TimeUnit.SECONDS));
        org.junit.jupiter.api.Assertions.assertInstanceOf(ApprovalTimeoutException.class, e.getCause());
        assertTrue(screen.toString(StandardCharsets.UTF_8).contains("no answer in time"));
    }

    @Test
    void endOfInput_deniesEverything_asNobodyToAsk() throws Exception {
        keyboard.close();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Decision> f = approver.request(request(5000));
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertInstanceOf(ApproverUnavailableException.class, e.getCause());
        }
    }

    @Test
    void cancelledQueuedRequest_isDenied() throws Exception {
        CompletableFuture<Decision> first = approver.request(request(2000));
        ApprovalRequest queued = request(5000);
        CompletableFuture<Decision> second = approver.request(queued);
        approver.cancel(queued.id());
        assertEquals(Decision.DENY, second.get(1, TimeUnit.SECONDS));
        answerWhenAsked(1, "y");
        assertEquals(Decision.APPROVE, first.get(5, TimeUnit.SECONDS));
    }
}
