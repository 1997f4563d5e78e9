package org.otpi.appliance.rpc;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.otpi.protocol.rpc.ErrorCodes;
import org.otpi.protocol.rpc.ErrorResponse;
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/**
 * Maps failures to what the client may see (a status, "failed", a stable code, warnings) and
 * logs the detail on the security tag. The exception's message never reaches the client.
 */
final class RpcErrors {
    static final String FAILED = "failed";

    /** A client-visible error. */
    record Failure(HttpResponseStatus status, ErrorResponse body) {
    }

    private RpcErrors() {
    }

    static Failure of(HttpResponseStatus status, String code) {
        return new Failure(status, new ErrorResponse(FAILED, code, List.of()));
    }

    /** Maps and logs a failure of {@code operation} for {@code client}. */
    static Failure map(Throwable t, String client, String operation, String contact) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof DeviceException de) {
            Logger.tag("security").warn("client {} {} {} failed: {} ({})", client(client), operation, contact(contact),
                    de.kind(), withoutNames(de.getMessage(), client, contact));
            return switch (de.kind()) {
                case UNKNOWN_CONTACT -> of(HttpResponseStatus.NOT_FOUND, ErrorCodes.UNKNOWN_CONTACT);
                case PAD_EXHAUSTED -> of(HttpResponseStatus.CONFLICT, ErrorCodes.PAD_EXHAUSTED);
                case RECEIVE_ONLY -> of(HttpResponseStatus.CONFLICT, ErrorCodes.RECEIVE_ONLY);
                case LOCKED -> of(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCodes.LOCKED);
                case TOO_LARGE -> of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, ErrorCodes.TOO_LARGE);
                case CORRUPT, FORGED -> new Failure(HttpResponseStatus.UNPROCESSABLE_ENTITY,
                        new ErrorResponse(FAILED, ErrorCodes.REJECTED, List.of(Warning.FORGED.name())));
                case REPLAY -> new Failure(HttpResponseStatus.CONFLICT,
                        new ErrorResponse(FAILED, ErrorCodes.REPLAY, List.of(Warning.REPLAY.name())));
                case UNKNOWN_MESSAGE -> of(HttpResponseStatus.NOT_FOUND, ErrorCodes.UNKNOWN_MESSAGE);
                case NO_SCREEN -> of(HttpResponseStatus.CONFLICT, ErrorCodes.NO_SCREEN);
                case READ_ON_DEVICE -> of(HttpResponseStatus.FORBIDDEN, ErrorCodes.READ_ON_DEVICE);
                case INTERNAL -> of(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCodes.FAILED);
            };
        }
        Logger.tag("security").error(cause, "client {} {} {} failed unexpectedly", client(client), operation, contact(contact));
        return of(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCodes.FAILED);
    }

    /** "?" (not authenticated) and "-" (no contact) stay; names become pseudonyms. */
    private static String client(String name) {
        return "?".equals(name) ? "?" : Redact.client(name);
    }

    private static String contact(String name) {
        return "-".equals(name) ? "-" : Redact.contact(name);
    }

    /** A device's detail text with the request's client and contact names replaced by their pseudonyms. */
    static String withoutNames(String text, String client, String contact) {
        if (text == null) {
            return "";
        }
        String out = text;
        if (contact != null && !"-".equals(contact) && !contact.isEmpty()) {
            out = out.replace(contact, Redact.contact(contact));
        }
        if (client != null && !"?".equals(client) && !client.isEmpty()) {
            out = out.replace(client, Redact.client(client));
        }
        return out;
    }
}
