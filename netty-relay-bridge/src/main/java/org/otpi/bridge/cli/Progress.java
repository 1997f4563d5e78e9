package org.otpi.bridge.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar with rate and time left for files over {@link #THRESHOLD} bytes (smaller ones
 * are done before a bar would help). Drawn on the command's error stream, so the output stays
 * clean for scripts.
 */
final class Progress implements AutoCloseable {
    /** Files larger than this get a bar. */
    static final long THRESHOLD = 4L * 1024 * 1024;
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar for {@code total} bytes, or a no-op for small files. */
    static Progress start(String task, long total, PrintWriter err) {
        if (total <= THRESHOLD) {
            return new Progress(null);
        }
        PrintStream stream = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                err.write(new String(b, off, len, StandardCharsets.UTF_8));
                err.flush();
            }
        }, true, StandardCharsets.UTF_8);
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" MiB", 1024 * 1024)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(stream, Math.min(100, SafeText.terminalWidth())))
                .build();
        return new Progress(bar);
    }

    /** Reports bytes done so far (absolute). */
    LongConsumer tracker() {
        return bar == null ? n -> { } : bar::stepTo;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
