package org.otpi.appliance.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.protocol.rpc.ErrorCodes;
import org.otpi.protocol.rpc.FileFingerprint;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.StreamFrames;
import org.otpi.protocol.rpc.StreamSummary;
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/**
 * Streamed file seal and open ({@code POST /api/v1/file/seal?contact=C&format=V2},
 * {@code POST /api/v1/file/open?contact=C}). The body must carry a Content-Length (at most
 * {@link RpcConfig#maxFileBytes()}); it is not read at all until the person approved, and then
 * only as fast as the device consumes it: reading is manual ({@code autoRead} off) and a new
 * socket read is requested only when the worker's queue is empty, so at most one read's worth
 * is buffered. The response is chunked {@link StreamFrames}; the connection closes afterwards.
 *
 * <p>Sits before the aggregator; every other request passes through untouched.
 */
final class FileStreamHandler extends ChannelInboundHandlerAdapter {
    private enum State { PASS, STREAMING, DISCARD }

    private final RpcContext rpc;
    private State state = State.PASS;
    private BodyPipe pipe;
    /** After a rejection: close once the client has finished sending (its body is discarded). */
    private boolean closeAfterBody;

    FileStreamHandler(RpcContext rpc) {
        this.rpc = rpc;
    }

    static boolean isFilePath(String uri) {
        String path = new QueryStringDecoder(uri).path();
        return path.equals(RpcPaths.FILE_SEAL) || path.equals(RpcPaths.FILE_OPEN);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        switch (state) {
            case STREAMING -> {
                if (msg instanceof HttpContent c && pipe != null) {
                    pipe.offer(c);
                    if (c instanceof LastHttpContent) {
                        state = State.DISCARD;
                    }
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case DISCARD -> {
                ReferenceCountUtil.release(msg);
                if (closeAfterBody && msg instanceof LastHttpContent) {
                    ctx.close();
                }
            }
            case PASS -> {
                if (msg instanceof HttpRequest req && isFilePath(req.uri())) {
                    state = State.DISCARD;
                    ReferenceCountUtil.release(msg);
                    begin(ctx, req);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (pipe != null) {
            pipe.fail();
        }
        super.channelInactive(ctx);
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest req) {
        ConnectionDeadlines deadlines = ctx.pipeline().get(ConnectionDeadlines.class);
        boolean seal = new QueryStringDecoder(req.uri()).path().equals(RpcPaths.FILE_SEAL);
        Optional<String> client = HttpReplies.bearer(req).flatMap(rpc.clients::authenticate);
        if (client.isEmpty()) {
            Logger.tag("security").warn("unauthenticated file request from {}", ctx.channel().remoteAddress());
            reject(ctx, RpcErrors.of(HttpResponseStatus.UNAUTHORIZED, ErrorCodes.UNAUTHORIZED));
            return;
        }
        String who = client.get();
        String contact;
        Format format;
        String sha256;
        String name;
        long length = HttpUtil.getContentLength(req, -1L);
        try {
            if (!req.method().equals(HttpMethod.POST)) {
                throw new RpcHandler.BadRequest("method");
            }
            Map<String, List<String>> params = new QueryStringDecoder(req.uri()).parameters();
            if (!(seal ? Set.of("contact", "format", "sha256", "name") : Set.of("contact", "format")).containsAll(params.keySet())
                    || params.values().stream().anyMatch(v -> v.size() != 1)) {
                throw new RpcHandler.BadRequest("file parameters");
            }
            contact = RpcHandler.requireContact(first(params, "contact"));
            format = RpcHandler.format(first(params, "format"));
            // A seal names the file by its SHA-256: the screen shows it, the body must match it.
            sha256 = first(params, "sha256");
            if (seal && !FileFingerprint.isHash(sha256)) {
                throw new RpcHandler.BadRequest("sha256");
            }
            name = first(params, "name") == null ? "" : first(params, "name");
            if (name.length() > RpcPaths.MAX_FILE_NAME) {
                throw new RpcHandler.BadRequest("name");
            }
        } catch (RpcHandler.BadRequest e) {
            Logger.tag("security").info("bad file request from client {}: {}", Redact.client(who), e.getMessage());
            reject(ctx, RpcErrors.of(HttpResponseStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST));
            return;
        }
        if (HttpUtil.isTransferEncodingChunked(req)) {
            length = declaredLength(req.headers().get(RpcPaths.LENGTH_HEADER));
        }
        if (length < 0) {
            reject(ctx, RpcErrors.of(HttpResponseStatus.LENGTH_REQUIRED, ErrorCodes.BAD_REQUEST));
            return;
        }
        if (length > rpc.config.maxFileBytes() + (seal ? 0 : 64 * 1024)) {
            Logger.tag("security").warn("client {} file of {} bytes refused (limit {})", Redact.client(who), length,
                    rpc.config.maxFileBytes());
            reject(ctx, RpcErrors.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, ErrorCodes.TOO_LARGE));
            return;
        }
        if (!rpc.gate.tryAcquire(who)) {
            Logger.tag("security").warn("client {} asked for a second approval while one is pending: refused",
                    Redact.client(who));
            reject(ctx, RpcErrors.of(HttpResponseStatus.TOO_MANY_REQUESTS, ErrorCodes.BUSY));
            return;
        }
        if (!rpc.fileSlots.tryAcquire()) {
            rpc.gate.release(who);
            reject(ctx, RpcErrors.of(HttpResponseStatus.TOO_MANY_REQUESTS, ErrorCodes.BUSY));
            return;
        }
        deadlines.suspend();
        ctx.channel().config().setAutoRead(false);
        pipe = new BodyPipe(ctx, rpc.config.requestTimeout().toMillis(), length);
        state = length == 0 ? State.DISCARD : State.STREAMING;
        if (length == 0) {
            pipe.end();
        }
        BodyPipe body = pipe;
        long declared = length;
        boolean expectContinue = HttpUtil.is100ContinueExpected(req);
        try {
            FileClaim claim = new FileClaim(name, sha256);
            rpc.fileWorkers.execute(() -> run(ctx, who, seal, contact, format, declared, body, expectContinue, claim));
        } catch (RuntimeException e) {
            rpc.fileSlots.release();
            rpc.gate.release(who);
            throw e;
        }
    }

    /** What the laptop says about a file to seal: a name (a label) and its SHA-256 (checked). */
    private record FileClaim(String name, String sha256) {
    }

    private void run(ChannelHandlerContext ctx, String who, boolean seal, String contact, Format format,
                     long length, BodyPipe body, boolean expectContinue, FileClaim claim) {
        FrameOutput out = new FrameOutput(ctx);
        String op = seal ? "seal-file" : "open-file";
        // The client's one slot (and the file-stream slot) is freed as soon as the device is done
        // and before the client can read the end of the answer: a client that has the summary and
        // asks again at once must find its slot free, not get 429 for a finished operation.
        Runnable freeSlots = new Runnable() {
            private boolean freed;

            @Override
            public void run() {
                if (!freed) {
                    freed = true;
                    rpc.fileSlots.release();
                    rpc.gate.release(who);
                }
            }
        };
        String requestId = java.util.UUID.randomUUID().toString();
        long cost = 0;
        long used = -1; // what an approved open really consumed, once settled; -1: not yet
        FingerprintCheck check = null;
        try {
            ContactView c = rpc.contact(contact);
            if (!seal && c.readOnDevice()) {
                // A file cannot be shown on the screen; handing it over would undo the setting.
                throw new DeviceException(DeviceException.Kind.READ_ON_DEVICE, "file from a contact read on the device");
            }
            // A seal's cost is exact; an open's is an upper bound from the declared length (the
            // body is read only after the approval), settled below once the open succeeded.
            cost = seal ? rpc.device.sealCost(contact, length, format) : rpc.device.openFileCostBound(length);
            long remainingAfter = (seal ? c.sendRemaining() : c.receiveRemaining()) - cost;
            ApprovalRequest.Details details = new ApprovalRequest.Details(c.remoteId(), null, seal ? claim.name() : "",
                    seal ? FileFingerprint.shortForm(claim.sha256()) : "", !seal, false);
            ApprovalOutcome outcome = rpc.ask(requestId, who, ctx.channel(), contact, seal
                    ? ApprovalRequest.Operation.SEAL_FILE : ApprovalRequest.Operation.OPEN_FILE,
                    length, cost, remainingAfter, details).get();
            if (!outcome.approved()) {
                freeSlots.run();
                out.fail(outcome.failure());
                return;
            }
            if (!ctx.channel().isActive()) {
                Logger.tag("security").info("client {} left before its approved {}: nothing done", Redact.client(who), op);
                return;
            }
            if (expectContinue) {
                // The client held the body back until now: only an approved request gets it sent.
                ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.CONTINUE));
            }
            InputStream in = body.input();
            if (seal) {
                check = new FingerprintCheck(in, length, claim.sha256());
                if (check.mismatched()) {
                    freeSlots.run();
                    mismatch(out, who, 0);
                    return;
                }
            }
            StreamResult result = seal
                    ? rpc.device.sealFile(contact, check, length, format, out)
                    : rpc.device.openFile(contact, in, cost, out);
            if (!seal) {
                rpc.approver.settle(requestId, result.padUsed()); // before the answer: the grant is right at once
                used = result.padUsed();
            }
            boolean longer = in.read() != -1;
            freeSlots.run(); // the device is done with this request; only the answer's end remains
            if (longer) {
                // The body was longer than declared: what was sealed is fine, the request was not.
                Logger.tag("security").warn("client {} {} body longer than its declared {} bytes", Redact.client(who), op, length);
                out.fail(RpcErrors.of(HttpResponseStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST));
                return;
            }
            if (!result.warnings().isEmpty()) {
                Logger.tag("security").warn("client {} {} from {} with warnings {}", Redact.client(who), op,
                        Redact.contact(contact), result.warnings());
            }
            out.finish(new StreamSummary(result.padUsed(), result.remaining(),
                    result.warnings().stream().map(Enum::name).sorted().toList()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            freeSlots.run();
            out.abort();
        } catch (IOException e) {
            freeSlots.run();
            if (check != null && check.mismatched()) {
                mismatch(out, who, format == Format.V2 ? length + 32 : 0);
                return;
            }
            Logger.tag("security").info("client {} {} stream broke: {}", Redact.client(who), op, e.getMessage());
            out.abort();
        } catch (Exception e) {
            freeSlots.run();
            if (check != null && check.mismatched()) {
                mismatch(out, who, format == Format.V2 ? length + 32 : 0);
                return;
            }
            out.fail(RpcErrors.map(e, who, op, contact));
        } finally {
            body.close();
            freeSlots.run();
            if (!seal && used < 0) {
                rpc.approver.settle(requestId, cost); // failed or not done: the charge stands
            }
        }
    }

    /**
     * The streamed file was not the one the person approved (its SHA-256 differs): the device
     * stopped before writing the package's tag, so no usable package exists; the pad reserved for
     * it is destroyed unused, as for any stream cut short.
     */
    private static void mismatch(FrameOutput out, String who, long padDestroyed) {
        Logger.tag("security").warn("FINGERPRINT: client {} sent a file that does not match the SHA-256 shown and"
                + " approved on the screen: sealing stopped, no package made ({} bytes of pad destroyed unused)", who,
                padDestroyed);
        out.fail(RpcErrors.of(HttpResponseStatus.CONFLICT, ErrorCodes.FINGERPRINT_MISMATCH));
    }

    /**
     * Hashes the body as the vault reads it and, on the read that completes the declared length,
     * compares with the approved SHA-256 before handing those last bytes over: a mismatch throws
     * there, so the vault never reaches the tag. Not thread-safe (one reader).
     */
    static final class FingerprintCheck extends InputStream {
        private final InputStream in;
        private final long length;
        private final byte[] expected;
        private final java.security.MessageDigest digest = FileFingerprint.digest();
        private long seen;
        private boolean mismatched;

        FingerprintCheck(InputStream in, long length, String sha256Hex) {
            this.in = in;
            this.length = length;
            this.expected = java.util.HexFormat.of().parseHex(sha256Hex.toLowerCase(java.util.Locale.ROOT));
            // an empty file is complete before the first read
            mismatched = length == 0 && !java.security.MessageDigest.isEqual(digest.digest(), expected);
        }

        boolean mismatched() {
            return mismatched;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (mismatched) {
                throw new IOException("file does not match its fingerprint");
            }
            if (seen >= length) {
                return in.read(b, off, len); // past the declared length: the caller checks
            }
            int n = in.read(b, off, (int) Math.min(len, length - seen));
            if (n > 0) {
                digest.update(b, off, n);
                seen += n;
                if (seen == length && !java.security.MessageDigest.isEqual(digest.digest(), expected)) {
                    mismatched = true;
                    java.util.Arrays.fill(b, off, off + n, (byte) 0);
                    throw new IOException("file does not match its fingerprint");
                }
            }
            return n;
        }
    }

    /** The {@code X-Otpi-Length} of a chunked upload; -1 if absent or malformed. */
    static long declaredLength(String header) {
        if (header == null || header.isEmpty() || header.length() > 18 || !header.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(header);
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> v = params.get(key);
        return v == null ? null : v.get(0);
    }

    /**
     * Answers a refused file request before its body is read. The connection closes only after
     * the client has finished sending (or 2 s later): closing at once would reset the connection
     * while the client is still writing, and a reset can destroy the answer before it is read.
     */
    private void reject(ChannelHandlerContext ctx, RpcErrors.Failure failure) {
        io.netty.handler.codec.http.FullHttpResponse r = HttpReplies.json(failure.status(), failure.body());
        r.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION,
                io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r);
        closeAfterBody = true;
        ctx.channel().config().setAutoRead(true); // drain (and discard) what the client still sends
        ctx.read();
        ctx.executor().schedule(() -> {
            ctx.close();
        }, 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * The request body as an InputStream for the worker. Filled on the event loop, drained on the
     * worker; a socket read is requested only when the queue is empty.
     */
    static final class BodyPipe {
        // Sentinels, compared by identity (two distinct objects: an empty wrap would be EMPTY_BUFFER for both).
        private static final ByteBuf END = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[1]));
        private static final ByteBuf FAILED = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[1]));
        private final ChannelHandlerContext ctx;
        private final long stallMillis;
        private final BlockingQueue<ByteBuf> queue = new LinkedBlockingQueue<>();
        private final long limit;
        private long received;
        private volatile boolean closed;

        BodyPipe(ChannelHandlerContext ctx, long stallMillis, long limit) {
            this.ctx = ctx;
            this.stallMillis = stallMillis;
            this.limit = limit;
        }

        /** Event loop only. A body longer than declared fails the stream. */
        void offer(HttpContent c) {
            try {
                received += c.content().readableBytes();
                if (received > limit) {
                    if (!closed) {
                        Logger.tag("security").warn("file body from {} ran past its declared length {}: aborted",
                                ctx.channel().remoteAddress(), limit);
                        closed = true;
                        queue.add(FAILED);
                    }
                    return;
                }
                if (!closed && c.content().isReadable()) {
                    queue.add(c.content().retain());
                }
                if (c instanceof LastHttpContent) {
                    queue.add(END);
                }
            } finally {
                c.release();
            }
            if (closed) {
                drain();
            }
        }

        void end() {
            queue.add(END);
        }

        void fail() {
            queue.add(FAILED);
        }

        void close() {
            closed = true;
            drain();
        }

        private void drain() {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                if (b != END && b != FAILED) {
                    b.release();
                }
            }
        }

        InputStream input() {
            return new InputStream() {
                private ByteBuf current;
                private boolean eof;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    while (current == null || !current.isReadable()) {
                        if (eof) {
                            return -1;
                        }
                        if (current != null) {
                            current.release();
                            current = null;
                        }
                        ByteBuf next = take();
                        if (next == END) {
                            eof = true;
                            return -1;
                        }
                        if (next == FAILED) {
                            throw new IOException("client went away");
                        }
                        current = next;
                    }
                    int n = Math.min(len, current.readableBytes());
                    current.readBytes(b, off, n);
                    return n;
                }

                @Override
                public void close() {
                    if (current != null) {
                        current.release();
                        current = null;
                    }
                }
            };
        }

        private ByteBuf take() throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stallMillis);
            while (true) {
                ByteBuf next = queue.poll();
                if (next != null) {
                    return next;
                }
                ctx.channel().eventLoop().execute(ctx::read);
                try {
                    next = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                if (next != null) {
                    return next;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("client stalled");
                }
            }
        }
    }

    /**
     * The response as an OutputStream of DATA frames, then a SUMMARY or ERROR frame. Writes one
     * frame at a time and waits for it to be flushed (backpressure toward the device). Before any
     * data was written, a failure is a plain JSON error response instead.
     */
    static final class FrameOutput extends OutputStream {
        private static final long WRITE_TIMEOUT_MS = 30_000;
        private final ChannelHandlerContext ctx;
        private final byte[] buffer = new byte[StreamFrames.MAX_PAYLOAD];
        private int used;
        private boolean started;
        private boolean done;

        FrameOutput(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, buffer.length - used);
                System.arraycopy(b, off, buffer, used, n);
                used += n;
                off += n;
                len -= n;
                if (used == buffer.length) {
                    flushData();
                }
            }
        }

        @Override
        public void flush() throws IOException {
            flushData();
        }

        private void flushData() throws IOException {
            if (used == 0) {
                return;
            }
            frame(StreamFrames.DATA, buffer, used);
            java.util.Arrays.fill(buffer, 0, used, (byte) 0);
            used = 0;
        }

        private void frame(byte type, byte[] payload, int length) throws IOException {
            if (done) {
                throw new IOException("response already ended");
            }
            byte[] framed = new byte[StreamFrames.HEADER + length];
            StreamFrames.header(type, length, framed);
            System.arraycopy(payload, 0, framed, StreamFrames.HEADER, length);
            start();
            await(ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(framed))));
        }

        private void start() {
            if (!started) {
                started = true;
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
                head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
                ctx.write(head);
            }
        }

        private static void await(ChannelFuture f) throws IOException {
            try {
                if (!f.await(WRITE_TIMEOUT_MS) || !f.isSuccess()) {
                    throw new IOException("client not reading");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        void finish(StreamSummary summary) throws IOException {
            flushData();
            byte[] json = RpcJson.mapper().writeValueAsBytes(summary);
            frame(StreamFrames.SUMMARY, json, json.length);
            end();
        }

        /** Ends with an error: a JSON response if nothing was sent yet, else an ERROR frame. */
        void fail(RpcErrors.Failure failure) {
            java.util.Arrays.fill(buffer, (byte) 0);
            used = 0;
            if (done) {
                return;
            }
            if (!started) {
                done = true;
                HttpReplies.failure(ctx, failure, false);
                return;
            }
            try {
                byte[] json = RpcJson.mapper().writeValueAsBytes(failure.body());
                frame(StreamFrames.ERROR, json, json.length);
                end();
            } catch (IOException e) {
                abort();
            }
        }

        /** Drops the connection without a final frame: the client sees a failed transfer. */
        void abort() {
            java.util.Arrays.fill(buffer, (byte) 0);
            done = true;
            ctx.close();
        }

        private void end() {
            done = true;
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> ctx.close());
        }
    }
}
