package org.otpi.bridge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The message history on the laptop ({@code HOME/history.jsonl}, mode 600, one JSON object a
 * line, appended and fsync'd). The laptop sees these plaintexts anyway (it typed them or asked
 * the device to open them); keeping them is what makes "nothing lost" possible: a received
 * message is in this file before the client tells the device it may forget its copy.
 *
 * <p>A torn last line (a crash mid-append) is skipped when reading. Thread-safe.
 */
final class History {
    static final String IN = "in";
    static final String OUT = "out";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /**
     * One message.
     *
     * @param id       {@code in|out / index / contact}: unique per message and device pad
     * @param dir      {@link #IN} or {@link #OUT}
     * @param contact  the device's contact name
     * @param peer     the relay user (sender for in, recipient for out)
     * @param index    the pad index the package used (-1 unknown)
     * @param time     epoch millis, laptop clock (received or sealed)
     * @param text     the message (null for a file)
     * @param file     where a received file was saved (null for a message)
     * @param warnings the device's warnings when it was opened
     * @param onDevice the text is on the device only (read or written on its screen): {@code text}
     *                 is null and this laptop never had it
     */
    record Entry(String id, String dir, String contact, String peer, long index, long time, String text,
                 String file, List<String> warnings, boolean onDevice) {
        Entry {
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
        }

        /** A message or file whose content this laptop has. */
        Entry(String id, String dir, String contact, String peer, long index, long time, String text, String file,
              List<String> warnings) {
            this(id, dir, contact, peer, index, time, text, file, warnings, false);
        }
    }

    private final Path file;

    History(Path home) {
        this.file = home.resolve("history.jsonl");
    }

    static String id(String dir, long index, String contact) {
        return dir + "/" + index + "/" + contact;
    }

    Path file() {
        return file;
    }

    /** Appends and fsyncs; returns once the entry survives a crash. */
    synchronized Entry append(Entry e) throws IOException {
        byte[] line;
        try {
            line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException x) {
            throw new IOException("cannot write history entry", x);
        }
        PrivateFiles.appendDurably(file, line);
        return e;
    }

    synchronized List<Entry> all() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(JSON.readValue(line, Entry.class));
            } catch (IOException torn) {
                // a line cut by a crash: skipped
            }
        }
        return out;
    }

    Optional<Entry> find(String id) throws IOException {
        return all().stream().filter(e -> e.id().equals(id)).findFirst();
    }

    /** The last {@code limit} messages with this contact (device name or relay user), oldest first. */
    List<Entry> with(String contactOrPeer, int limit) throws IOException {
        List<Entry> mine = all().stream()
                .filter(e -> e.contact().equals(contactOrPeer) || contactOrPeer.equals(e.peer())).toList();
        return mine.subList(Math.max(0, mine.size() - limit), mine.size());
    }
}
