package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.SealRequest;
import org.otpi.protocol.rpc.StreamFrames;

/**
 * The RPC request parser against random and mutated input: it either yields a value that passes
 * validation or throws {@link RpcHandler.BadRequest}; nothing else escapes (no runtime exception
 * that would become a 500 with a stack trace, no hang, no unbounded allocation).
 *
 * <p>Default run: a short seeded random-bytes and mutation run (10,000 inputs). Long run (300,000 inputs
 * plus Jazzer's regression inputs): {@code ./mvnw -B -pl appliance -am test -Potpi-slow
 * -Dtest=RpcParserFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}; coverage-guided for 5 minutes:
 * {@code JAZZER_FUZZ=1 ./mvnw -B -pl appliance -am test -Potpi-slow -Dtest='RpcParserFuzzTest#jazzer'
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RpcParserFuzzTest {
    private static final List<Class<?>> TYPES = List.of(SealRequest.class, OpenRequest.class,
            PairStartRequest.class, PairFinishRequest.class);
    private static final List<String> CORPUS = List.of(
            "{\"contact\":\"bob\",\"message\":\"aGVsbG8=\",\"format\":\"V2\"}",
            "{\"contact\":\"bob\",\"packageData\":\"RgVib2IAAAAAAAAAAAAAAAU=\"}",
            "{\"clientName\":\"laptop\"}",
            "{\"pairingId\":\"00112233445566778899aabbccddeeff\",\"code\":\"12345678\"}",
            "{\"contact\":\"b\\u00f6b\",\"message\":\"\",\"format\":null}");

    /** One input through parse and validation; fails the test on any unexpected throwable. */
    static void check(byte[] body) {
        for (Class<?> type : TYPES) {
            try {
                Object v = RpcHandler.parseJson(new ByteArrayInputStream(body), type);
                if (v instanceof SealRequest s) {
                    RpcHandler.requireContact(s.contact());
                    RpcHandler.decode(s.message(), org.otpi.protocol.rpc.RpcPaths.MAX_MESSAGE);
                    RpcHandler.format(s.format());
                } else if (v instanceof OpenRequest o) {
                    RpcHandler.requireContact(o.contact());
                    RpcHandler.decode(o.packageData(), org.otpi.protocol.rpc.RpcPaths.MAX_MESSAGE + 1024);
                } else if (v instanceof PairStartRequest p) {
                    RpcHandler.requireName(p.clientName());
                }
            } catch (RpcHandler.BadRequest expected) {
                // the only allowed failure
            } catch (Throwable t) {
                fail("parser leaked " + t + " for input " + new String(body, StandardCharsets.ISO_8859_1), t);
            }
        }
        try {
            StreamFrames.read(new ByteArrayInputStream(body));
        } catch (java.io.IOException expected) {
            // framing errors are IOExceptions
        } catch (Throwable t) {
            fail("frame reader leaked " + t, t);
        }
    }

    private static final String JSONISH = "{}[]\",:0123456789.eE-+ntrufalse\\u";

    static byte[] mutate(Random r, byte[] seed) {
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (r.nextInt(5)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                case 2 -> {
                    int at = r.nextInt(b.length + 1);
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    for (int i = 0; i < ins.length; i++) {
                        ins[i] = (byte) JSONISH.charAt(r.nextInt(JSONISH.length()));
                    }
                    byte[] n = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(ins, 0, n, at, ins.length);
                    System.arraycopy(b, at, n, at + ins.length, b.length - at);
                    b = n;
                }
                case 3 -> {
                    if (b.length > 2) {
                        int at = r.nextInt(b.length - 1);
                        byte t = b[at];
                        b[at] = b[at + 1];
                        b[at + 1] = t;
                    }
                }
                default -> {
                    byte[] n = new byte[r.nextInt(64)];
                    r.nextBytes(n);
                    b = n;
                }
            }
        }
        return b;
    }

    private static void run(long seed, int iterations) {
        Random r = new Random(seed);
        for (int i = 0; i < iterations; i++) {
            check(mutate(r, CORPUS.get(r.nextInt(CORPUS.size())).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void randomAndMutatedBodies_onlyEverFailAsBadRequest_short() {
        long start = System.nanoTime();
        run(20251123L, 10_000);
        assertTrue(System.nanoTime() - start < 60_000_000_000L);
    }

    @Test
    void validCorpus_parses() throws Exception {
        SealRequest s = RpcHandler.parseJson(new ByteArrayInputStream(CORPUS.get(0).getBytes(StandardCharsets.UTF_8)), SealRequest.class);
        assertTrue(s.contact().equals("bob") && RpcHandler.format(s.format()) == Format.V2);
    }

    @Tag("slow")
    @Test
    void randomAndMutatedBodies_long() {
        for (long seed = 1; seed <= 10; seed++) {
            run(seed, 30_000);
        }
    }

    /** Slow-tagged: Jazzer's agent, once loaded, slows every later test in the same JVM. */
    @Tag("slow")
    @FuzzTest(maxDuration = "5m")
    void jazzer(FuzzedDataProvider data) {
        check(data.consumeRemainingAsBytes());
    }
}
