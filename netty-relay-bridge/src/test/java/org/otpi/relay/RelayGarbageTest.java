package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.relay.store.StoredMessage;
import org.otpi.relay.store.UserRecord;

/** Random bytes on the real port: the relay stays up and its state does not change. */
class RelayGarbageTest {
    @TempDir
    Path dir;

    private void garbage(long seed, int connections) throws Exception {
        try (RelayFixture relay = RelayFixture.sqlite(dir, RelayFixture.testConfig())) {
            RelayClient anon = RelayClient.builder(relay.uri()).build();
            RelayClient alice = anon.withToken(anon.register("alice"));
            anon.register("bob");
            alice.send("bob", "AAAA");
            // presence (last_seen) may move with housekeeping; the set of accounts may not
            List<String> users = relay.store.users(100).stream().map(UserRecord::uid).toList();
            List<StoredMessage> queued = relay.store.fetch("bob", 0, 100);
            long next = relay.store.nextRef();

            Random r = new Random(seed);
            for (int i = 0; i < connections; i++) {
                byte[] b = new byte[r.nextInt(i % 10 == 0 ? 100_000 : 3000)];
                r.nextBytes(b);
                if (i % 3 == 0 && b.length > 4) {
                    // start like HTTP so the garbage reaches the header and body parsers
                    System.arraycopy("POST".getBytes(), 0, b, 0, 4);
                }
                relay.raw(b, 300);
            }

            assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status(), "still up");
            assertEquals(users, relay.store.users(100).stream().map(UserRecord::uid).toList());
            assertEquals(queued, relay.store.fetch("bob", 0, 100));
            assertEquals(next, relay.store.nextRef());
            alice.send("bob", "BBBB");
            assertEquals(2, relay.store.queued("bob"), "still works");
        }
    }

    @Test
    void randomBytes_leaveRelayUpAndStateUnchanged() throws Exception {
        garbage(4242, 60);
    }

    @Test
    @Tag("slow")
    void randomBytes_longRun() throws Exception {
        garbage(7, 1000);
    }
}
