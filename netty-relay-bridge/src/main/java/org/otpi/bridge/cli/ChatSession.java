package org.otpi.bridge.cli;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The interactive chat commands of the One Time Chat paper, plus {@code users} and {@code quit}:
 * <pre>
 *   send USER MESSAGE         seal for USER and send
 *   ms USER1,USER2 MESSAGE    send to several (one approval each)
 *   group NAME USER1,USER2    define a group alias
 *   gs NAME MESSAGE           send to a group
 *   users                     who is on the relay
 *   (empty line)              fetch now
 * </pre>
 */
final class ChatSession {
    private final Messenger messenger;
    private final RelayApi relay;
    private final ClientHome home;

    ChatSession(Messenger messenger, RelayApi relay, ClientHome home) {
        this.messenger = messenger;
        this.relay = relay;
        this.home = home;
    }

    /** Handles one line; false when the person wants to leave. */
    boolean handle(String line) {
        String trimmed = line.strip();
        String[] parts = trimmed.split("\\s+", 3);
        String cmd = parts[0];
        try {
            switch (cmd) {
                case "" -> {
                    messenger.flushOutbox();
                    messenger.fetchAndShow();
                }
                case "quit", "exit" -> {
                    return false;
                }
                case "help" -> help();
                case "send" -> {
                    if (parts.length < 3) {
                        messenger.print("usage: send USER MESSAGE");
                    } else {
                        messenger.send(parts[1], parts[2]);
                    }
                }
                case "ms" -> {
                    if (parts.length < 3) {
                        messenger.print("usage: ms USER1,USER2,... MESSAGE");
                    } else {
                        sendAll(ClientHome.splitUsers(parts[1]), parts[2]);
                    }
                }
                case "group" -> {
                    if (parts.length < 3 || parts[2].contains(" ")) {
                        messenger.print("usage: group NAME USER1,USER2,...");
                    } else {
                        List<String> members = ClientHome.splitUsers(parts[2]);
                        home.setGroup(parts[1], members);
                        messenger.print("Group " + parts[1] + " = " + String.join(",", members));
                    }
                }
                case "gs" -> {
                    Map<String, List<String>> groups = home.groups();
                    if (parts.length < 3) {
                        messenger.print("usage: gs GROUP MESSAGE");
                    } else if (!groups.containsKey(parts[1])) {
                        messenger.print("No group " + parts[1] + " (define it with: group NAME USER1,USER2)");
                    } else {
                        sendAll(groups.get(parts[1]), parts[2]);
                    }
                }
                case "users" -> {
                    for (RelayUser u : relay.users()) {
                        messenger.print("  " + SafeText.escape(u.name()) + (u.online() ? " (online)" : ""));
                    }
                }
                default -> messenger.print("Unknown command '" + cmd + "'. Type 'help' for help.");
            }
        } catch (IOException e) {
            messenger.print("Error: " + e.getMessage());
        }
        return true;
    }

    private void sendAll(List<String> users, String text) {
        int ok = 0;
        for (String u : users) {
            if (messenger.send(u, text)) {
                ok++;
            }
        }
        messenger.print("Sent to " + ok + " of " + users.size() + ".");
    }

    private void help() {
        messenger.print("=== help ===");
        messenger.print("send USER MESSAGE         send a message (approve it on the device)");
        messenger.print("ms USER1,USER2 MESSAGE    send to several users");
        messenger.print("group NAME USER1,USER2    define a group");
        messenger.print("gs NAME MESSAGE           send to a group");
        messenger.print("users                     list relay users");
        messenger.print("(empty line)              fetch new messages now (they also arrive live) and retry the outbox");
        messenger.print("quit                      leave");
    }
}
