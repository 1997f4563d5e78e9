package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.bridge.relay.RelayListener;
import org.otpi.bridge.relay.RelayMessage;
import org.otpi.bridge.relay.Subscription;
import org.otpi.relay.store.PostgresExtension;
import org.otpi.relay.store.PostgresRelayStore;

/** Two relay nodes on one real PostgreSQL: a package sent through A is pushed by B. */
@ExtendWith(PostgresExtension.class)
class TwoNodeRelayTest {

    @Test
    void webSocketOnNodeB_receivesPackageSentThroughNodeA() throws Exception {
        String url = PostgresExtension.newDatabase();
        try (RelayFixture a = new RelayFixture(PostgresRelayStore.open(url), RelayFixture.testConfig().port(0).build());
             RelayFixture b = new RelayFixture(PostgresRelayStore.open(url), RelayFixture.testConfig().port(0).build())) {
            RelayClient viaA = RelayClient.builder(a.uri()).build();
            RelayClient viaB = RelayClient.builder(b.uri()).build();
            RelayClient alice = viaA.withToken(viaA.register("alice"));
            RelayClient bobOnB = viaB.withToken(viaA.register("bob")); // registered on A, used on B
            BlockingQueue<RelayMessage> got = new LinkedBlockingQueue<>();
            java.util.concurrent.CountDownLatch synced = new java.util.concurrent.CountDownLatch(1);
            try (Subscription s = bobOnB.subscribe(bobOnB.nextRef(), new RelayListener() {
                @Override
                public void onMessages(List<RelayMessage> messages) {
                    got.addAll(messages);
                }

                @Override
                public void onSynced(long nextRef) {
                    synced.countDown();
                }
            })) {
                assertTrue(synced.await(10, TimeUnit.SECONDS));
                for (int i = 0; i < 5; i++) {
                    long ref = alice.send("bob", "AAE" + i);
                    RelayMessage m = got.poll(10, TimeUnit.SECONDS);
                    assertTrue(m != null, "node B pushed package " + i);
                    assertEquals(ref, m.ref());
                    assertEquals("AAE" + i, m.contents());
                }
                assertTrue(alice.users().stream().anyMatch(u -> u.uid().equals("bob")));
                assertEquals(5, bobOnB.fetch(0, 100).messages().size(), "node B reads what node A stored");
            }
        }
    }
}
