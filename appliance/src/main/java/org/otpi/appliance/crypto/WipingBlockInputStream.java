package org.otpi.appliance.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * An input stream over secret blocks produced one at a time (decrypted pad chunks, opened
 * backup frames). Each block is zeroed as soon as it has been read through, and on close.
 * Not thread-safe.
 */
public abstract class WipingBlockInputStream extends InputStream {
    private byte[] cur = new byte[0];
    private int pos;
    private boolean ended;

    /** The next block (the stream owns and zeroes it), or null at the end. */
    protected abstract byte[] nextBlock() throws IOException;

    /** How many bytes of a block to skip before reading it (the first block only, by default). */
    protected int skipIn(byte[] block) {
        return 0;
    }

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos == cur.length) {
            if (ended) {
                return -1;
            }
            Arrays.fill(cur, (byte) 0);
            byte[] next = nextBlock();
            if (next == null) {
                ended = true;
                cur = new byte[0];
                pos = 0;
                return -1;
            }
            cur = next;
            pos = Math.min(skipIn(next), next.length);
        }
        int k = Math.min(len, cur.length - pos);
        System.arraycopy(cur, pos, b, off, k);
        pos += k;
        return k;
    }

    @Override
    public void close() throws IOException {
        Arrays.fill(cur, (byte) 0);
        ended = true;
    }
}
