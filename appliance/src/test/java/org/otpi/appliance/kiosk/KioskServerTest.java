package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.ApproverUnavailableException;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.protocol.kiosk.KioskCodec;
import org.otpi.protocol.kiosk.KioskMessage.*;
import org.otpi.protocol.kiosk.Views;

class KioskServerTest {
    @TempDir
    Path dir;
    Path socket;
    InMemoryKioskBackend backend;
    KioskApprover approver;
    KioskServer server;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("run/kiosk.sock");
        backend = InMemoryKioskBackend.demo(Clock.systemUTC(), new StandingApprovals(Clock.systemUTC()));
        approver = new KioskApprover(Duration.ofMillis(2000), Clock.systemUTC());
        server = KioskServer.start(socket, System.getProperty("user.name"), backend, approver);
    }

    @AfterEach
    void stop() {
        server.close();
        approver.close();
    }

    @Test
    void socketFile_isMode0600_ownedByKioskUser() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        UserPrincipal me = FileSystems.getDefault().getUserPrincipalLookupService()
                .lookupPrincipalByName(System.getProperty("user.name"));
        assertEquals(me, Files.getOwner(socket));
    }

    @Test
    void unlock_wrongThenRight_andContactsAfterwards() throws Exception {
        try (RawKiosk k = new RawKiosk(socket)) {
            k.send(new GetContacts(1));
            assertEquals("vault locked", k.await(Done.class, d -> d.id() == 1).error());
            k.send(new Unlock(2, "0000".toCharArray()));
            Views.UnlockResult wrong = k.await(UnlockReply.class, r -> r.id() == 2).result();
            assertEquals(Views.UnlockResult.Outcome.WRONG, wrong.outcome());
            assertTrue(wrong.retryAfterMillis() > 0);
            k.send(new Unlock(3, "1234".toCharArray()));
            assertEquals(Views.UnlockResult.Outcome.WAIT, k.await(UnlockReply.class, r -> r.id() == 3).result().outcome());
            assertFalse(backend.isUnlocked());
        }
        InMemoryKioskBackend fast = new InMemoryKioskBackend(Clock.systemUTC(), new StandingApprovals(Clock.systemUTC()),
                "42".toCharArray(), Duration.ofMillis(1), 3);
        fast.addPad("alice", 4096, "kernel", 0, 0);
        try (KioskServer s2 = KioskServer.start(dir.resolve("two.sock"), System.getProperty("user.name"), fast, approver);
             RawKiosk k = new RawKiosk(dir.resolve("two.sock"))) {
            k.send(new Unlock(1, "42".toCharArray()));
            assertEquals(Views.UnlockResult.Outcome.OK, k.await(UnlockReply.class).result().outcome());
            k.send(new GetContacts(2));
            ContactsReply c = k.await(ContactsReply.class);
            assertEquals("alice", c.contacts().get(0).contact());
            assertEquals((4096 - 16) / 2, c.contacts().get(0).sendRemaining());
        }
    }

    @Test
    void approvalPrompt_reachesKiosk_andItsDecisionAnswersTheApprover() throws Exception {
        try (RawKiosk k = new RawKiosk(socket)) {
            awaitSessions(1);
            backend.unlock("1234".toCharArray());
            ApprovalRequest r = backend.sealRequest("r1", "laptop", "alice", 5, Duration.ofSeconds(30));
            CompletableFuture<Decision> f = approver.request(r);
            ApprovalPrompt p = k.await(ApprovalPrompt.class);
            assertEquals("r1", p.requestId());
            assertEquals("alice", p.contact());
            assertEquals(37, p.padBytes());
            assertFalse(f.isDone(), "no decision before the person answers");
            k.send(new Decide(9, "r1", true));
            assertEquals(Decision.APPROVE, f.get(2, TimeUnit.SECONDS));
            assertTrue(k.await(ApprovalClosed.class).approved());

            CompletableFuture<Decision> g = approver.request(backend.sealRequest("r2", "laptop", "alice", 5, Duration.ofSeconds(30)));
            k.await(ApprovalPrompt.class, x -> x.requestId().equals("r2"));
            k.send(new Decide(10, "r2", false));
            assertEquals(Decision.DENY, g.get(2, TimeUnit.SECONDS));
        }
    }

    @Test
    void noAnswer_deniesAtTimeout() throws Exception {
        try (RawKiosk k = new RawKiosk(socket)) {
            awaitSessions(1);
            backend.unlock("1234".toCharArray());
            long t0 = System.nanoTime();
            CompletableFuture<Decision> f = approver.request(backend.sealRequest("r1", "c", "bob", 10, Duration.ofMinutes(5)));
            ApprovalPrompt p = k.await(ApprovalPrompt.class);
            assertTrue(p.deadlineEpochMillis() <= System.currentTimeMillis() + 2000);
            ExecutionException timedOut = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(org.otpi.appliance.approval.ApprovalTimeoutException.class, timedOut.getCause(),
                    "a timeout is a denial the laptop can tell apart");
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(1900));
            ApprovalClosed closed = k.await(ApprovalClosed.class);
            assertFalse(closed.approved());
            assertEquals("timeout", closed.reason());
            k.send(new Decide(3, "r1", true)); // too late: stays denied
            assertTrue(f.isCompletedExceptionally());
        }
    }

    @Test
    void noKioskConnected_isUnavailable_andDisconnectDeniesPending() throws Exception {
        CompletableFuture<Decision> none = approver.request(
                new ApprovalRequest("r0", "c", "alice", ApprovalRequest.Operation.SEAL, 1, 33, 0,
                        java.time.Instant.now().plusSeconds(30)));
        ExecutionException e = assertThrows(ExecutionException.class, none::get);
        assertInstanceOf(ApproverUnavailableException.class, e.getCause());

        RawKiosk k = new RawKiosk(socket);
        awaitSessions(1);
        CompletableFuture<Decision> f = approver.request(
                new ApprovalRequest("r1", "c", "alice", ApprovalRequest.Operation.OPEN, 1, 0, 0,
                        java.time.Instant.now().plusSeconds(30)));
        k.await(ApprovalPrompt.class);
        k.close();
        ExecutionException gone = assertThrows(ExecutionException.class, () -> f.get(2, TimeUnit.SECONDS));
        assertInstanceOf(ApproverUnavailableException.class, gone.getCause(), "nobody left to ask");
    }

    @Test
    void malformedOrOverlongInput_closesTheConnection() throws Exception {
        try (RawKiosk k = new RawKiosk(socket)) {
            k.channel.write(ByteBuffer.wrap("{\"type\":\"lock\",\"id\":1,\"evil\":true}\n".getBytes(StandardCharsets.UTF_8)));
            awaitEof(k);
        }
        try (RawKiosk k = new RawKiosk(socket)) {
            byte[] big = new byte[KioskCodec.MAX_LINE + 10];
            java.util.Arrays.fill(big, (byte) 'a');
            try {
                k.channel.write(ByteBuffer.wrap(big));
            } catch (IOException closedEarly) {
                // the server may close before we finish writing
            }
            awaitEof(k);
        }
        try (RawKiosk k = new RawKiosk(socket)) { // a reply is not a request
            k.send(Done.ok(1));
            awaitEof(k);
        }
    }

    @Test
    void generatePad_reportsProgress_andCanBeCancelled() throws Exception {
        backend.unlock("1234".toCharArray());
        try (RawKiosk k = new RawKiosk(socket)) {
            k.send(new GeneratePad(1, "dave", 64 * 1024));
            Progress first = k.await(Progress.class);
            assertEquals(64 * 1024, first.total());
            assertTrue(k.await(Done.class, d -> d.id() == 1).ok());
            assertTrue(backend.contacts().stream().anyMatch(c -> c.contact().equals("dave")));

            backend.setGenerationChunkDelayMillis(200);
            k.send(new GeneratePad(2, "erin", 64 * 1024));
            k.await(Progress.class, p -> p.id() == 2);
            k.send(new CancelGenerate(3, 2));
            Done d = k.await(Done.class, x -> x.id() == 2);
            assertFalse(d.ok());
            assertEquals("cancelled", d.error());
            assertFalse(backend.contacts().stream().anyMatch(c -> c.contact().equals("erin")));
        }
    }

    @Test
    void backendChanges_arePushed() throws Exception {
        try (RawKiosk k = new RawKiosk(socket)) {
            awaitSessions(1);
            backend.unlock("1234".toCharArray());
            k.received.clear();
            backend.seal("alice", 100);
            k.await(Changed.class, c -> c.what().equals("contacts"));
            backend.alarm("tamper", "case opened");
            assertEquals("case opened", k.await(Alarm.class).text());
        }
    }

    @Test
    void kioskRestarting_getsThePendingPrompt_andCanStillAnswer() throws Exception {
        backend.unlock("1234".toCharArray());
        RawKiosk first = new RawKiosk(socket);
        awaitSessions(1);
        CompletableFuture<Decision> f = approver.request(backend.sealRequest("r1", "laptop", "alice", 5, Duration.ofSeconds(30)));
        first.await(ApprovalPrompt.class);
        try (RawKiosk second = new RawKiosk(socket)) {
            assertEquals("r1", second.await(ApprovalPrompt.class).requestId(), "replayed on connect");
            first.close();
            awaitSessions(1);
            assertFalse(f.isDone(), "one kiosk is still there to ask");
            second.send(new Decide(1, "r1", true));
            assertEquals(Decision.APPROVE, f.get(2, TimeUnit.SECONDS));
        }
    }

    @Test
    void sessions_areCapped() throws Exception {
        java.util.List<RawKiosk> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < KioskServer.MAX_SESSIONS; i++) {
                open.add(new RawKiosk(socket));
            }
            awaitSessions(KioskServer.MAX_SESSIONS);
            RawKiosk extra = new RawKiosk(socket);
            open.add(extra);
            awaitEof(extra);
            assertEquals(KioskServer.MAX_SESSIONS, server.sessionCount());
        } finally {
            for (RawKiosk k : open) {
                k.close();
            }
        }
    }

    private void awaitSessions(int n) throws InterruptedException {
        for (int i = 0; i < 100 && server.sessionCount() != n; i++) {
            Thread.sleep(20);
        }
        assertEquals(n, server.sessionCount());
    }

    private static void awaitEof(RawKiosk k) throws InterruptedException {
        for (int i = 0; i < 100 && !k.eof; i++) {
            Thread.sleep(20);
        }
        assertTrue(k.eof, "server closed the connection");
    }
}
