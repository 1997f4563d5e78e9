package org.otpi.appliance.tunnel;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class of the test classpath in a child JVM (optionally inside a network namespace). */
final class ChildJvm {

    private ChildJvm() {
    }

    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return cp;
    }

    static List<String> command(String netns, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1".equals(System.getenv("OTPI_CHILD_C1")) ? "-XX:TieredStopAtLevel=1" : "-Xshare:auto");
        cmd.add("-Dtinylog.writer.level=info");
        cmd.add("-Dtinylog.writer.format={date:HH:mm:ss.SSS} {level} [{thread}] {message}");
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Process start(File log, String netns, Class<?> main, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(netns, main, args));
        pb.redirectErrorStream(true);
        if (log != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        }
        return pb.start();
    }
}
