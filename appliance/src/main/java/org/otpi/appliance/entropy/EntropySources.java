package org.otpi.appliance.entropy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/** Opens configured entropy sources. */
public final class EntropySources {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    private EntropySources() {
    }

    /**
     * Opens a hardware RNG, sets a serial device raw (most USB HRNGs are CDC-ACM serial ports,
     * whose line discipline would otherwise translate or echo bytes), and runs the start-up
     * tests. Opening a FIFO blocks until a writer opens it.
     *
     * @throws SourceFailedException if the start-up tests fail (the source is already cut off)
     */
    public static HardwareSource openHardware(HrngConfig config, HealthListener... listeners) throws IOException {
        Path device = config.device();
        Path real = device.toRealPath();
        if (isCharacterDevice(real)) {
            setRawIfTty(real);
        }
        FileChannel ch = FileChannel.open(real, StandardOpenOption.READ);
        HardwareSource source = new HardwareSource("hrng:" + device, ch, config.health(), config.expectedBytesPerSecond());
        for (HealthListener l : listeners) {
            source.addListener(l);
        }
        try {
            source.start();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return source;
    }

    static boolean isCharacterDevice(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFCHR;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * {@code stty -F dev raw -echo}; on a character device that is not a terminal (e.g.
     * /dev/hwrng) stty fails with ENOTTY, which is fine. Returns true if the device was set.
     */
    static boolean setRawIfTty(Path dev) {
        try {
            Process p = new ProcessBuilder("stty", "-F", dev.toString(), "raw", "-echo")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Logger.warn("stty on {} timed out", dev);
                return false;
            }
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.exitValue() == 0) {
                Logger.info("set {} raw -echo", dev);
                return true;
            }
            Logger.debug("{} is not a terminal ({}); reading it as is", dev, out);
            return false;
        } catch (IOException e) {
            Logger.warn("cannot run stty for {}: {}", dev, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
