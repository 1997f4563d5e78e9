package org.otpi.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal systemd unit file reader: section -> key -> values (in order, repeats kept). */
final class UnitFile {
    final Path path;
    private final Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();

    private UnitFile(Path path) {
        this.path = path;
    }

    static UnitFile read(Path path) throws IOException {
        UnitFile unit = new UnitFile(path);
        String section = "";
        for (String raw : Files.readAllLines(path)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(path + ": not key=value: " + line);
            }
            unit.sections.computeIfAbsent(section, s -> new LinkedHashMap<>())
                    .computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                    .add(line.substring(eq + 1).strip());
        }
        return unit;
    }

    List<String> all(String section, String key) {
        return sections.getOrDefault(section, Map.of()).getOrDefault(key, List.of());
    }

    /** The last value (systemd's rule for single-valued keys), or null. */
    String get(String section, String key) {
        List<String> values = all(section, key);
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    String name() {
        return path.getFileName().toString();
    }
}
