package org.otpi.appliance.entropy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;

/**
 * The kernel pool through {@code ioctl(fd("/dev/random"), RNDADDENTROPY, rand_pool_info*)},
 * as rngd does. Needs CAP_SYS_ADMIN.
 *
 * <pre>
 * struct rand_pool_info {      offset
 *     int   entropy_count;     0   bits credited
 *     int   buf_size;          4   bytes in buf
 *     __u32 buf[];             8   the data
 * };
 * </pre>
 * Thread-safe (one call at a time). The native buffer is zeroed after every call.
 */
public final class RandomDevicePool implements KernelEntropyPool {
    /** _IOW('R', 0x03, int[2]) */
    static final long RNDADDENTROPY = 0x40085203L;
    private static final int O_WRONLY = 1;
    private static final int MAX_CHUNK = 4096;

    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final LibC libc;
    private final Memory info = new Memory(8 + MAX_CHUNK);
    private int fd;

    private RandomDevicePool(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    public static RandomDevicePool open() throws IOException {
        LibC c = Native.load("c", LibC.class);
        try {
            return new RandomDevicePool(c, c.open("/dev/random", O_WRONLY));
        } catch (LastErrorException e) {
            throw new IOException("cannot open /dev/random for writing: errno " + e.getErrorCode());
        }
    }

    @Override
    public synchronized void addEntropy(byte[] b, int off, int len, int entropyBits) throws IOException {
        if (fd < 0) {
            throw new IOException("closed");
        }
        if (len > MAX_CHUNK || entropyBits < 0 || entropyBits > 8 * len) {
            throw new IllegalArgumentException("len " + len + ", bits " + entropyBits);
        }
        info.setInt(0, entropyBits);
        info.setInt(4, len);
        info.write(8, b, off, len);
        try {
            libc.ioctl(fd, new NativeLong(RNDADDENTROPY), info);
        } catch (LastErrorException e) {
            throw new IOException("RNDADDENTROPY failed: errno " + e.getErrorCode());
        } finally {
            info.clear(8 + len);
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                libc.close(fd);
            } catch (LastErrorException ignored) {
                // nothing to do
            }
            fd = -1;
        }
    }
}
