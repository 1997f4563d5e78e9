package org.otpi.appliance.tunnel;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** In-memory TUN: the test plays the kernel, injecting packets and collecting what the tunnel wrote. */
final class FakeTun implements Tun {

    final BlockingQueue<byte[]> fromKernel = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> toKernel = new LinkedBlockingQueue<>();
    private final String name;
    private volatile boolean closed;

    FakeTun(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int read(byte[] buffer) {
        while (!closed) {
            try {
                byte[] p = fromKernel.poll(50, TimeUnit.MILLISECONDS);
                if (p != null) {
                    System.arraycopy(p, 0, buffer, 0, p.length);
                    return p.length;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }

    @Override
    public void write(byte[] packet, int offset, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(packet, offset, copy, 0, length);
        toKernel.add(copy);
    }

    @Override
    public void close() {
        closed = true;
    }
}
