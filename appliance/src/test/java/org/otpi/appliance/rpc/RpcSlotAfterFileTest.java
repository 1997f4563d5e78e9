package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.AutoApprover;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultDeviceService;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealRequest;

/**
 * One pending operation per client, freed before the answer completes: a client that has the
 * summary of a real file seal (real vault, real RPC pipeline on real sockets) and sends a seal at
 * once is served, not refused as busy.
 *
 * <p>To make "at once" exact rather than a race, a pass-through stage at the socket end of the
 * pipeline lets the summary's bytes go out but holds back the completion of that write until the
 * follow-up seal has its answer: the server is then, deterministically, at the moment between
 * "the client can read the summary" and "the file operation's code runs on". (Before the fix the
 * slot was freed only after that point, so the seal got 429 every time.)
 */
class RpcSlotAfterFileTest {
    private static final int ROUNDS = 3;

    /** Holds the completion of the write that carries the summary frame until {@link #release}. */
    @ChannelHandler.Sharable
    static final class HoldSummary extends ChannelOutboundHandlerAdapter {
        private final AtomicReference<CompletableFuture<Void>> gate =
                new AtomicReference<>(new CompletableFuture<>());
        final AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b && b.toString(StandardCharsets.ISO_8859_1).contains("\"remaining\"")) {
                held.incrementAndGet();
                CompletableFuture<Void> open = gate.get();
                ChannelPromise inner = ctx.newPromise();
                inner.addListener(f -> open.whenComplete((v, t) -> ctx.executor().execute(() -> {
                    if (f.isSuccess()) {
                        promise.trySuccess();
                    } else {
                        promise.tryFailure(f.cause());
                    }
                })));
                ctx.write(msg, inner);
                return;
            }
            ctx.write(msg, promise);
        }

        void release() {
            gate.getAndSet(new CompletableFuture<>()).complete(null);
        }
    }

    @Test
    void aSealRightAfterAFileSeal_isNotRefusedAsBusy(@TempDir Path dir) throws Exception {
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", TestVaults.pad(3, 1 << 20));
        }
        Device device = new Device(dir.resolve("alice-medium"), dir.resolve("alice-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
        device.unlock(TestVaults.PIN.clone());
        BlockingQueue<String> codes = new LinkedBlockingQueue<>();
        RpcConfig config = RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0).withApprovalTimeout(Duration.ofSeconds(5));
        ClientRegistry clients = ClientRegistry.open(dir.resolve("alice-state"));
        ExecutorService workers = Executors.newFixedThreadPool(4);
        ExecutorService files = Executors.newFixedThreadPool(RpcContext.FILE_STREAMS);
        RpcContext rpc = new RpcContext(config, new VaultDeviceService(device), new AutoApprover(), clients,
                new PairingManager(clients, (client, code, validFor) -> codes.add(code), Clock.systemUTC()), workers, files);
        HoldSummary hold = new HoldSummary();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
                NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("hold-summary", hold); // nearest the socket: sees encoded bytes
                            RpcInitializer.configure(ch.pipeline(), rpc);
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            String token = pair(address, codes);
            byte[] file = TestVaults.pad(9, 48 * 1024);
            String sha256 = org.otpi.protocol.rpc.FileFingerprint.sha256(new java.io.ByteArrayInputStream(file));
            String seal = RpcJson.mapper().writeValueAsString(
                    new SealRequest("bob", Base64.getEncoder().encodeToString("right after".getBytes()), null));
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                try (Socket fileConn = connect(address); Socket next = connect(address)) {
                    OutputStream out = fileConn.getOutputStream();
                    out.write(("POST " + RpcPaths.FILE_SEAL + "?contact=bob&format=V2&sha256=" + sha256
                            + " HTTP/1.1\r\nHost: device\r\n"
                            + "Authorization: Bearer " + token + "\r\nContent-Length: " + file.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(file);
                    out.flush();
                    readUntil(fileConn.getInputStream(), "\"remaining\"");
                    // the client has the summary: its file operation is over, and it asks again at once
                    next.getOutputStream().write(request(RpcPaths.SEAL, token, seal));
                    next.getOutputStream().flush();
                    answers.add(statusLine(next.getInputStream()));
                    hold.release();
                    fileConn.getInputStream().readAllBytes(); // the rest of the answer, then close
                }
            }
            assertEquals(ROUNDS, hold.held.get(), "every summary passed the holding stage");
            assertEquals(Collections.nCopies(ROUNDS, "HTTP/1.1 200 OK"), answers,
                    "the seal right after each file seal");
            assertEquals(ROUNDS * (long) (file.length + 32 + 11 + 32), device.vault().stats("bob").sendUsed(),
                    "every file seal and every seal used pad on the real vault");
            server.close().sync();
        } finally {
            hold.release();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            workers.shutdownNow();
            files.shutdownNow();
            device.close();
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 5_000);
        s.setSoTimeout(20_000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] request(String path, String token, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: device\r\nContent-Type: application/json\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(body);
        return b.toByteArray();
    }

    /** Reads until {@code marker} (ASCII) has arrived; fails at end of stream. */
    private static void readUntil(InputStream in, String marker) throws IOException {
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        int matched = 0;
        int c;
        while ((c = in.read()) >= 0) {
            matched = c == m[matched] ? matched + 1 : (c == m[0] ? 1 : 0);
            if (matched == m.length) {
                return;
            }
        }
        throw new IOException("stream ended before " + marker);
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString().strip();
    }

    private static String pair(InetSocketAddress address, BlockingQueue<String> codes) throws Exception {
        String started = exchange(address, RpcPaths.PAIR_START, RpcJson.mapper().writeValueAsString(new PairStartRequest("laptop")));
        PairStartResponse s = RpcJson.mapper().readValue(started, PairStartResponse.class);
        String code = codes.poll(5, TimeUnit.SECONDS);
        String finished = exchange(address, RpcPaths.PAIR_FINISH,
                RpcJson.mapper().writeValueAsString(new PairFinishRequest(s.pairingId(), code)));
        return RpcJson.mapper().readValue(finished, PairFinishResponse.class).token();
    }

    /** One JSON request on its own connection; returns the body of a 200 answer. */
    private static String exchange(InetSocketAddress address, String path, String json) throws IOException {
        try (Socket s = connect(address)) {
            s.getOutputStream().write(request(path, null, json));
            InputStream in = s.getInputStream();
            String status = statusLine(in);
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException(path + ": " + status);
            }
            int length = -1;
            String line;
            while (!(line = statusLine(in)).isEmpty()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            return new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
    }
}
