package org.otpi.protocol.rpc;

/**
 * {@code POST /api/v1/seal}.
 *
 * @param contact the contact whose pad to use
 * @param message the message, base64 (at most {@link RpcPaths#MAX_MESSAGE} bytes decoded)
 * @param format  {@code V2} (default when null), {@code OTC_V1} or {@code ARMOR}
 */
public record SealRequest(String contact, String message, String format) {
}
