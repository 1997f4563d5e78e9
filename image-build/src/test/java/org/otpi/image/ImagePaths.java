package org.otpi.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Where the image sources live, relative to the image-build module. */
final class ImagePaths {
    private ImagePaths() {
    }

    static Path module() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    static Path repo() {
        return module().getParent();
    }

    static Path rootfs() {
        return module().resolve("src/main/rootfs");
    }

    static Path scripts() {
        return module().resolve("src/main/sh");
    }

    static Path units() {
        return rootfs().resolve("usr/lib/systemd/system");
    }

    static Path udevRules() {
        return repo().resolve("udev/src/main/rules");
    }

    static List<Path> unitFiles() throws IOException {
        try (Stream<Path> s = Files.list(units())) {
            return s.filter(p -> p.getFileName().toString().matches(".*\\.(service|mount|socket|timer|path)"))
                    .sorted().collect(Collectors.toList());
        }
    }

    /** Deletes a tree; tests use it on their own temporary directories only. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
