package org.otpi.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command, merging stdout and stderr; the tests assert on both. */
final class Proc {
    final int exitCode;
    final String output;

    private Proc(int exitCode, String output) {
        this.exitCode = exitCode;
        this.output = output;
    }

    static Proc run(Path dir, Map<String, String> env, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Proc(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Proc run(String... command) throws IOException, InterruptedException {
        return run(null, Map.of(), List.of(command), 300);
    }

    static Proc run(List<String> command) throws IOException, InterruptedException {
        return run(null, Map.of(), command, 300);
    }

    /** True when the tool is on PATH (or an absolute path that exists). */
    static boolean available(String tool) {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
            if (Path.of(dir, tool).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }

    static List<String> cmd(Object... parts) {
        List<String> list = new ArrayList<>();
        for (Object part : parts) {
            list.add(part.toString());
        }
        return list;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + ":\n" + output;
    }
}
