package org.otpi.relay;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;
import org.otpi.relay.RelayFailure.Kind;

/**
 * Strict JSON for untrusted bodies: unknown fields, duplicate keys, trailing tokens, nulls for
 * primitives and floats for integers are all refused; nesting and string lengths are bounded.
 * The request shapes are the records below; nothing else is ever bound from client input.
 */
final class Json {
    private Json() {
    }

    static ObjectMapper strictMapper(int maxStringChars) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(8)
                        .maxNumberLength(20)
                        .maxStringLength(Math.max(maxStringChars, 1024))
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(JsonParser.Feature.ALLOW_COMMENTS)
                .build();
    }

    static <T> T parse(ObjectMapper mapper, byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new RelayFailure(Kind.BAD_REQUEST, "empty body");
        }
        try {
            T value = mapper.readValue(body, type);
            if (value == null) {
                throw new RelayFailure(Kind.BAD_REQUEST, "null body");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof RelayFailure rf) {
                throw rf;
            }
            throw new RelayFailure(Kind.BAD_REQUEST, "json: " + e.getClass().getSimpleName());
        }
    }

    /** Parses straight from the body's buffer (no copy of the body). */
    static <T> T parse(ObjectMapper mapper, io.netty.buffer.ByteBuf body, Class<T> type) {
        if (!body.isReadable()) {
            throw new RelayFailure(Kind.BAD_REQUEST, "empty body");
        }
        try (java.io.InputStream in = new io.netty.buffer.ByteBufInputStream(body.duplicate())) {
            T value = mapper.readValue(in, type);
            if (value == null) {
                throw new RelayFailure(Kind.BAD_REQUEST, "null body");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof RelayFailure rf) {
                throw rf;
            }
            throw new RelayFailure(Kind.BAD_REQUEST, "json: " + e.getClass().getSimpleName());
        }
    }

    // ---- request bodies (v1)

    /** {@code invite} only when registration is by invitation. */
    record RegisterRequest(String uid, String invite) {
        @Override
        public String toString() {
            return "RegisterRequest[" + uid + "]";
        }
    }

    record SendRequest(List<String> to, String contents) {
    }

    record AckRequest(List<Long> refs) {
    }

    // ---- request bodies (the paper's plain endpoints, same field names)
    record LegacySend(@JsonProperty("sender_uid") String senderUid,
                      @JsonProperty("recipient_uid") String recipientUid,
                      @JsonProperty("contents") String contents) {
    }

    /** {@code token}: the recipient's token, when not sent as {@code Authorization: Bearer}. */
    record LegacyGetMessages(@JsonProperty("recipient_uid") String recipientUid,
                             @JsonProperty("start_ref") Long startRef,
                             @JsonProperty("token") String token) {
        @Override
        public String toString() {
            return "LegacyGetMessages[" + recipientUid + "]";
        }
    }

    // ---- WebSocket frames from the client
    record ClientFrame(String type, List<Long> refs) {
    }

    // ---- responses
    record Message(long ref, String from, String to, String contents, long sentAt) {
    }

    record LegacyMessage(long ref, @JsonProperty("sender_uid") String senderUid,
                         @JsonProperty("recipient_uid") String recipientUid, String contents) {
    }
}
