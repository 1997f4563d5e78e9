package org.otpi.appliance.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Everything the RPC server may ask of the vault, and nothing more: operations, never pad bytes
 * (DESIGN section 2, law 2). The server calls these only after the person approved the use
 * ({@link org.otpi.appliance.approval.Approver}); the implementation enforces the pad laws
 * (never twice, one pad one contact, destroy after use) on its own.
 *
 * <p>Thread-safety: implementations must be safe for concurrent calls; the server calls the
 * blocking methods from a worker pool, never from a Netty I/O thread.
 *
 * <p>Errors: every failure is a {@link DeviceException} with a {@link DeviceException.Kind}. The
 * server turns the kind into a generic client error and logs the detail on the security tag.
 */
public interface DeviceService extends AutoCloseable {

    /** This device's (person's) id, as used in pads and on the relay. Cheap: called on I/O threads. */
    String deviceId();

    /**
     * Whether the vault is unlocked; a locked device answers every other call with LOCKED. Cheap and
     * non-blocking (a volatile read): {@code /health} calls it on an I/O thread.
     */
    boolean unlocked();

    /** Every contact with its pad counts and warnings. */
    List<ContactView> contacts() throws DeviceException;

    /**
     * Pad bytes sealing {@code messageLength} bytes to {@code contact} in {@code format} would
     * consume. Uses no pad. Throws UNKNOWN_CONTACT, PAD_EXHAUSTED (not enough left), TOO_LARGE,
     * LOCKED.
     */
    long sealCost(String contact, long messageLength, Format format) throws DeviceException;

    /** Seals a message; the cursor advance is durable before this returns. */
    SealResult seal(String contact, byte[] message, Format format) throws DeviceException;

    /**
     * Pad bytes opening {@code packageBytes} consumes (the sender's, verified and then destroyed
     * here), read from the package alone: no pad is read. What an approval of the open shows and a
     * standing approval is charged. A package that cannot be parsed costs its length.
     */
    long openCost(byte[] packageBytes);

    /**
     * An upper bound of the pad a streamed open of a file of {@code length} bytes consumes, for its
     * approval (the body is read only afterwards). {@link #openFile} refuses a file that would take
     * more than it is given.
     */
    long openFileCostBound(long length);

    /**
     * Opens a package from {@code contact}. Forgery or a malformed package throws FORGED or
     * CORRUPT; a package whose pad was already opened and destroyed throws REPLAY. Softer findings
     * (a skipped index, a late package, an authenticated peer "expired" status) come back as
     * {@link OpenResult#warnings()}.
     *
     * <p>Nothing lost: the opened message is kept (sealed, on the device) until the client
     * confirms it with {@link #confirmOpened}. Opening the very same package (byte for byte) again
     * before that returns the kept copy with {@link OpenResult#repeat()} true; after the confirm
     * it is a REPLAY as before. A different package at an index already opened is still a REPLAY.
     */
    OpenResult open(String contact, byte[] packageBytes) throws DeviceException;

    /**
     * The client has stored the message opened from {@code contact} at pad {@code index}: destroy
     * the kept copy. Confirming an index that was opened and is no longer kept succeeds (the
     * client may retry a confirm whose answer it lost). Throws UNKNOWN_MESSAGE when nothing was
     * ever opened from that contact at that index, UNKNOWN_CONTACT, LOCKED.
     */
    void confirmOpened(String contact, long index) throws DeviceException;

    /**
     * Opens a package from {@code contact} for the device's screen only (DESIGN section 8, "read on
     * the device"): the text is kept sealed on the device for the person to read there, the pad is
     * destroyed once that copy is durable, and the result carries no plaintext
     * ({@link OpenResult#shownOnDevice()}). The same package opened again while the device still
     * keeps its message answers the same way with {@link OpenResult#repeat()} true (a retry after a
     * lost answer). Throws like {@link #open}. A device without a screen does not implement it.
     */
    default OpenResult openOnDevice(String contact, byte[] packageBytes) throws DeviceException {
        throw new DeviceException(DeviceException.Kind.INTERNAL, "this device keeps no messages for its screen");
    }

    /** Packages sealed from text written on the device's screen, waiting for a laptop, oldest first. */
    default List<OutgoingView> outgoing() throws DeviceException {
        return List.of();
    }

    /**
     * The relay stored the package {@code id} written on the device: forget it. False if it was not
     * there (acknowledged before).
     */
    default boolean outgoingSent(String id) throws DeviceException {
        return false;
    }

    /**
     * Seals exactly {@code length} bytes read from {@code in} and writes the sealed file to
     * {@code out} as it goes. Throws like {@link #seal}; IOException when either stream fails.
     */
    StreamResult sealFile(String contact, InputStream in, long length, Format format, OutputStream out)
            throws DeviceException, IOException;

    /**
     * Opens a sealed file read from {@code in}, writing plaintext to {@code out}. A file whose pad
     * cost exceeds {@code maxPadCost} (what was approved) is refused with CORRUPT before any pad is
     * touched. If authentication fails part-way it throws FORGED; the caller must then discard what
     * was written (the RPC server aborts the response so the client sees a truncated, failed
     * transfer). {@link StreamResult#padUsed()} is the pad the open consumed.
     */
    StreamResult openFile(String contact, InputStream in, long maxPadCost, OutputStream out)
            throws DeviceException, IOException;

    /** Called once at daemon shutdown, after the RPC server stopped (flush, lock, wipe keys). */
    @Override
    default void close() {
    }
}
