package org.otpi.appliance.tunnel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * A Linux TUN interface through JNA: {@code open("/dev/net/tun")}, {@code ioctl(TUNSETIFF)} with
 * {@code IFF_TUN | IFF_NO_PI} (IP packets, no packet-info header). The interface disappears when
 * the descriptor is closed. Needs CAP_NET_ADMIN.
 *
 * <p>With offloads ({@link #open(String, boolean)}) it also sets {@code IFF_VNET_HDR} and
 * {@code TUNSETOFFLOAD} with {@code TUN_F_CSUM | TSO4 | TSO6} (and {@code USO4 | USO6} where the
 * kernel has them, 6.2+): every read and write then carries a {@link VirtioNetHdr}, reads may be
 * 64 KiB TCP super-packets ({@link TsoSplitter}) and writes may be coalesced ones
 * ({@link GroCoalescer}). A kernel that refuses the offloads gets a plain TUN instead.
 *
 * <p>The descriptor is non-blocking: a read that finds nothing waits in {@code poll()} for at most
 * 200 ms, so {@link #close()} stops readers promptly. Thread-safe: each thread uses its own native
 * buffer.
 */
public final class LinuxTun implements Tun {

    private static final int O_RDWR = 2;
    private static final int O_NONBLOCK = 04000;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final int IFF_VNET_HDR = 0x4000;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_USO4 = 0x20;
    static final int TUN_F_USO6 = 0x40;
    /** What we ask for, best first: TCP and UDP segmentation, then TCP only (kernels before 6.2). */
    static final int[] OFFLOAD_ATTEMPTS = {
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
    };
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int EINVAL = 22;
    private static final int EIO = 5;
    private static final short POLLIN = 1;

    /** The few libc calls we need, JNA direct mapping (much cheaper per call than interface mapping). */
    static final class LibC {
        static {
            Native.register("c");
        }

        private LibC() {
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native int ioctl(int fd, NativeLong request, byte[] ifreq) throws LastErrorException;

        /** Returns -1 with errno in {@link Native#getLastError()}: no exception on the hot path. */
        static native NativeLong read(int fd, Pointer buf, NativeLong count);

        static native NativeLong write(int fd, Pointer buf, NativeLong count);

        static native int poll(Pointer fds, NativeLong nfds, int timeoutMillis);

        static native int close(int fd) throws LastErrorException;
    }

    /**
     * The hot-path calls with raw addresses ({@code long}: OTPi runs on 64-bit Linux only, where
     * pointers, {@code size_t} and {@code unsigned long} are 64 bits): no objects per call.
     */
    static final class Raw {
        static {
            Native.register("c");
        }

        private Raw() {
        }

        static native long read(int fd, long buf, long count);

        static native long write(int fd, long buf, long count);

        static native int ioctl(int fd, long request, long arg);
    }

    private final int fd;
    private final String name;
    private volatile boolean closed;
    private final ThreadLocal<Memory> readBuf = ThreadLocal.withInitial(() -> new Memory(ProtocolConstants.MAX_PACKET));
    private final ThreadLocal<Memory> writeBuf = ThreadLocal.withInitial(() -> new Memory(ProtocolConstants.MAX_PACKET + 16));
    private final ThreadLocal<Memory> pollFd = ThreadLocal.withInitial(() -> new Memory(8));

    private final int offloads;

    private LinuxTun(int fd, String name, int offloads) {
        this.fd = fd;
        this.name = name;
        this.offloads = offloads;
    }

    /** Creates (or attaches to) TUN interface {@code name}, without offloads. */
    public static LinuxTun open(String name) throws IOException {
        return open(name, false);
    }

    /**
     * Creates TUN interface {@code name}; with {@code offload}, asks for the offloads and falls
     * back to a plain TUN if the kernel grants none.
     */
    public static LinuxTun open(String name, boolean offload) throws IOException {
        return open(name, offload ? OFFLOAD_ATTEMPTS : new int[0]);
    }

    /** As {@link #open(String, boolean)}, trying these {@code TUNSETOFFLOAD} flag sets in order. */
    static LinuxTun open(String name, int[] offloadAttempts) throws IOException {
        if (offloadAttempts.length > 0) {
            LinuxTun t = open0(name, true);
            for (int flags : offloadAttempts) {
                if (Raw.ioctl(t.fd, TUNSETOFFLOAD, flags) == 0) {
                    return new LinuxTun(t.fd, t.name, flags);
                }
                Logger.debug("TUNSETOFFLOAD {} refused, errno {}", Integer.toHexString(flags), Native.getLastError());
            }
            Logger.info("tunnel: the kernel grants no TUN offloads; plain TUN");
            LibC.close(t.fd); // the interface goes with it; made again below
        }
        return open0(name, false);
    }

    private static LinuxTun open0(String name, boolean vnet) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > 15) {
            throw new IllegalArgumentException("interface name must be 1..15 ASCII bytes");
        }
        int fd;
        try {
            fd = LibC.open("/dev/net/tun", O_RDWR | O_NONBLOCK);
        } catch (LastErrorException e) {
            throw new IOException("open /dev/net/tun failed, errno " + e.getErrorCode(), e);
        }
        byte[] ifr = new byte[40];
        System.arraycopy(nameBytes, 0, ifr, 0, nameBytes.length);
        short flags = (short) (IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0));
        ifr[16] = (byte) flags; // little-endian short (x86_64, aarch64)
        ifr[17] = (byte) (flags >> 8);
        try {
            LibC.ioctl(fd, new NativeLong(TUNSETIFF), ifr);
        } catch (LastErrorException e) {
            LibC.close(fd);
            throw new IOException("TUNSETIFF " + name + " failed, errno " + e.getErrorCode(), e);
        }
        int end = 0;
        while (end < 16 && ifr[end] != 0) {
            end++;
        }
        return new LinuxTun(fd, new String(ifr, 0, end, StandardCharsets.US_ASCII), 0);
    }

    /** True if reads and writes carry a {@link VirtioNetHdr}. */
    boolean vnetHdr() {
        return offloads != 0;
    }

    /** The {@code TUN_F_*} flags the kernel granted (0: none, a plain TUN). */
    int offloads() {
        return offloads;
    }

    /**
     * Non-blocking read into the direct buffer {@code buf} at index 0 (address {@code addr}):
     * the length read, or -1 if nothing is waiting.
     */
    int readNow(long addr, int capacity) throws IOException {
        long n = Raw.read(fd, addr, capacity);
        if (n >= 0) {
            return (int) n;
        }
        int errno = Native.getLastError();
        if (errno == EAGAIN || errno == EINTR || closed) {
            return -1;
        }
        throw new IOException("TUN read failed, errno " + errno);
    }

    /**
     * Writes one packet (with its virtio header when {@link #vnetHdr()}) from native memory.
     * Returns false if the kernel refused it with EINVAL (a malformed packet: dropped, counted by
     * the caller) or the queue was full.
     */
    boolean writeNow(long addr, int len) throws IOException {
        if (Raw.write(fd, addr, len) >= 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == EAGAIN || errno == EINVAL || errno == EIO) {
            return false;
        }
        throw new IOException("TUN write failed, errno " + errno);
    }

    /** {@code ip link set NAME mtu MTU up} and {@code ip addr add CIDR dev NAME}. */
    public void configure(String cidr, int mtu) throws IOException {
        run(List.of("ip", "link", "set", "dev", name, "mtu", Integer.toString(mtu), "up"));
        run(List.of("ip", "addr", "add", cidr, "dev", name));
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** Non-blocking read: the packet length, or -1 if no packet is waiting. */
    int readNow(byte[] buffer) throws IOException {
        Memory mem = readBuf.get();
        long n = LibC.read(fd, mem, new NativeLong(Math.min(buffer.length, mem.size()))).longValue();
        if (n >= 0) {
            mem.read(0, buffer, 0, (int) n);
            return (int) n;
        }
        int errno = Native.getLastError();
        if (errno == EAGAIN || errno == EINTR || closed) {
            return -1;
        }
        throw new IOException("TUN read failed, errno " + errno);
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        if (vnetHdr()) {
            throw new UnsupportedOperationException("a TUN with offloads is read through readNow (super-packets)");
        }
        Memory mem = readBuf.get();
        NativeLong max = new NativeLong(Math.min(buffer.length, mem.size()));
        while (!closed) {
            long n = LibC.read(fd, mem, max).longValue();
            if (n >= 0) {
                mem.read(0, buffer, 0, (int) n);
                return (int) n;
            }
            int errno = Native.getLastError();
            if (errno == EAGAIN || errno == EINTR) {
                waitReadable();
                continue;
            }
            if (closed) {
                return -1;
            }
            throw new IOException("TUN read failed, errno " + errno);
        }
        return -1;
    }

    /** Waits up to 200 ms for the TUN to become readable. */
    void waitReadable() {
        Memory p = pollFd.get();
        p.setInt(0, fd);
        p.setShort(4, POLLIN);
        p.setShort(6, (short) 0);
        if (LibC.poll(p, new NativeLong(1), 200) < 0) {
            Logger.trace("poll: errno {}", Native.getLastError());
        }
    }

    @Override
    public void write(byte[] packet, int offset, int length) throws IOException {
        Memory mem = writeBuf.get();
        int h = vnetHdr() ? VirtioNetHdr.SIZE : 0;
        if (h > 0) {
            mem.setShort(0, (short) 0);
            mem.setLong(2, 0L); // a complete packet: no GSO, checksums done
        }
        mem.write(h, packet, offset, length);
        if (LibC.write(fd, mem, new NativeLong(length + h)).longValue() < 0) {
            int errno = Native.getLastError();
            if (errno == EAGAIN) {
                return; // queue full: drop, like any router
            }
            throw new IOException("TUN write failed, errno " + errno);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Thread.sleep(250); // let readers leave poll() before the descriptor number can be reused
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LibC.close(fd);
    }

    @Override
    public String toString() {
        return "LinuxTun[" + name + "]";
    }
}
