package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a child JVM in the middle of sending or receiving, then a restart on the same state. */
class CrashRecoveryTest {

    @TempDir
    Path tmp;

    private static List<Long> readUntilKilled(Process p, String prefix, int atLeast) throws Exception {
        List<Long> seqs = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    seqs.add(Long.parseLong(line.substring(prefix.length())));
                    if (seqs.size() == atLeast) {
                        p.toHandle().destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
                    }
                }
            }
        } finally {
            p.toHandle().destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        return seqs;
    }

    @Test
    void senderKilledMidStream_restartNeverReusesSequence() throws Exception {
        byte[] material = TestKeys.material(200, 7);
        Path key = TestKeys.keyFile(tmp, material);
        Path state = tmp.resolve("state");
        Process child = ChildJvm.start(null, null, SessionCrashChild.class, "send", key.toString(), state.toString());
        List<Long> sent = readUntilKilled(child, "sent ", 25_000);
        assertTrue(sent.size() >= 25_000, "child sent " + sent.size());
        long maxSent = sent.stream().mapToLong(Long::longValue).max().orElseThrow();
        try (KeyFileSlotStore store = KeyFileSlotStore.open(key); SequenceState st = SequenceState.open(state)) {
            TunnelSession s = new TunnelSession(Role.INITIATOR, store, st, AeadEngine.best(), new TunnelStats(), 200);
            byte[] d = s.seal(new byte[10], 0, 10);
            long next = WireFormat.sequence(d, 0);
            assertTrue(next > maxSent, "restarted sender reused: " + next + " <= " + maxSent);
            assertTrue(next - maxSent <= 2L * ProtocolConstants.SEQUENCE_RESERVATION, "skipped too far: " + next);
            s.close();
            // used tx halves below the current slot are destroyed on the medium, rx halves kept
            try (SlotSecret sec = store.read(WireFormat.slotOf(maxSent) - 1)) {
                assertTrue(sec.isDestroyed(Direction.INITIATOR_TO_RESPONDER));
                assertTrue(!sec.isDestroyed(Direction.RESPONDER_TO_INITIATOR));
            }
        }
    }

    @Test
    void receiverKilledMidStream_restartRejectsEverythingAcceptedBefore() throws Exception {
        byte[] material = TestKeys.material(50, 8);
        Path key = TestKeys.keyFile(tmp, material);
        Path datagrams = tmp.resolve("datagrams");
        int total = 20_000;
        try (InMemorySlotStore store = new InMemorySlotStore(material);
             SequenceState st = SequenceState.open(tmp.resolve("sender"));
             DataOutputStream out = new DataOutputStream(Files.newOutputStream(datagrams))) {
            TunnelSession s = new TunnelSession(Role.INITIATOR, store, st, AeadEngine.best(), new TunnelStats(), 50);
            for (int i = 0; i < total; i++) {
                byte[] d = s.seal(new byte[] {(byte) i}, 0, 1);
                out.writeInt(d.length);
                out.write(d);
            }
            s.close();
        }
        Path state = tmp.resolve("state");
        Process child = ChildJvm.start(null, null, SessionCrashChild.class, "receive", key.toString(), state.toString(),
                datagrams.toString());
        List<Long> accepted = readUntilKilled(child, "accepted ", 3_000);
        assertTrue(accepted.size() >= 3_000 && accepted.size() < total, "accepted " + accepted.size());
        Set<Long> acceptedSet = new HashSet<>(accepted);
        try (KeyFileSlotStore store = KeyFileSlotStore.open(key); SequenceState st = SequenceState.open(state);
             java.io.DataInputStream in = new java.io.DataInputStream(Files.newInputStream(datagrams))) {
            TunnelStats stats = new TunnelStats();
            TunnelSession s = new TunnelSession(Role.RESPONDER, store, st, AeadEngine.best(), stats, 50);
            int replayedAndAccepted = 0;
            int acceptedNew = 0;
            for (int i = 0; i < total; i++) {
                byte[] d = new byte[in.readInt()];
                in.readFully(d);
                boolean ok = s.open(d, 0, d.length).verdict() == TunnelSession.Verdict.OK;
                if (ok && acceptedSet.contains(WireFormat.sequence(d, 0))) {
                    replayedAndAccepted++;
                }
                if (ok) {
                    acceptedNew++;
                }
            }
            assertEquals(0, replayedAndAccepted);
            assertTrue(s.rxResumeFrom() > accepted.stream().mapToLong(Long::longValue).max().orElseThrow());
            assertTrue(stats.replays() >= accepted.size());
            // the floor is at most one reservation above what was accepted: later packets still flow
            assertTrue(acceptedNew > 0, "nothing above the floor was accepted");
            s.close();
        }
    }
}
