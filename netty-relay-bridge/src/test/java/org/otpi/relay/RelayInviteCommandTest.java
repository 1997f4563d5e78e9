package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.bridge.relay.RelayException;
import org.otpi.relay.store.SqliteRelayStore;
import picocli.CommandLine;

/** {@code otpi-relay invite}: codes printed once, stored only hashed, each good for one account. */
class RelayInviteCommandTest {
    @TempDir
    Path dir;

    @Test
    void inviteCommand_printsCodes_storesOnlyTheirHashes_andEachRegistersOneAccount() throws Exception {
        Path db = dir.resolve("relay.db");
        StringWriter out = new StringWriter();
        int exit = new CommandLine(new RelayMain()).setOut(new PrintWriter(out))
                .execute("invite", "--store", "sqlite:" + db, "--count", "3", "--valid-days", "2");
        assertEquals(0, exit);
        List<String> codes = Arrays.stream(out.toString().split("\n")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        assertEquals(3, codes.size(), out.toString());
        assertTrue(codes.stream().allMatch(Invites::isWellFormed), codes.toString());
        assertEquals(3, codes.stream().distinct().count());

        List<byte[]> stored = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT code_hash, expires_at - created_at FROM invites")) {
            while (rs.next()) {
                stored.add(rs.getBytes(1));
                assertEquals(2L * 24 * 3600 * 1000, rs.getLong(2), "valid two days");
            }
        }
        assertEquals(3, stored.size());
        for (int i = 0; i < 3; i++) {
            byte[] h = Invites.hash(codes.get(i));
            assertTrue(stored.stream().anyMatch(s -> Arrays.equals(s, h)), "SHA-256 of the code is stored");
            byte[] plain = codes.get(i).getBytes(StandardCharsets.US_ASCII);
            assertFalse(stored.stream().anyMatch(s -> Arrays.equals(s, plain)), "the code itself is not");
        }

        try (RelayFixture relay = new RelayFixture(SqliteRelayStore.open(db),
                RelayFixture.testConfig().registration(RelayConfig.Registration.INVITE).port(0).build())) {
            RelayClient anon = RelayClient.builder(relay.uri()).build();
            assertTrue(anon.register("alice", codes.get(0)).startsWith("alice."));
            assertEquals(403, org.junit.jupiter.api.Assertions.assertThrows(RelayException.class,
                    () -> anon.register("bob", codes.get(0))).status(), "single use");
            assertEquals(403, org.junit.jupiter.api.Assertions.assertThrows(RelayException.class,
                    () -> anon.register("bob")).status(), "no code, no account");
            assertTrue(anon.register("bob", codes.get(1)).startsWith("bob."));
        }
        assertEquals(2, new CommandLine(new RelayMain()).setErr(new PrintWriter(new StringWriter()))
                .execute("invite", "--store", "sqlite:" + db, "--count", "0"), "usage error");
    }
}
