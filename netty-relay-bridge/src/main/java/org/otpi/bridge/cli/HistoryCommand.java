package org.otpi.bridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code otpi history CONTACT}: the messages exchanged with a contact, from the laptop's own
 * history file. Needs neither the device nor the relay.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = {"Show the messages exchanged with a contact (kept on this laptop, in HOME/history.jsonl).",
                "The laptop sees these plaintexts anyway: it typed them or asked the device to open them."})
final class HistoryCommand implements Callable<Integer> {
    @ParentCommand
    OtpiCli root;

    @Parameters(index = "0", description = "Contact (device contact name or relay user).")
    String contact;

    @Option(names = {"-n", "--last"}, description = "How many of the latest messages (default ${DEFAULT-VALUE}).", defaultValue = "50")
    int last;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = root.out();
        ClientHome h = root.openHome();
        List<History.Entry> entries = h.history().with(contact, Math.max(1, last));
        if (entries.isEmpty()) {
            out.println("No messages with " + SafeText.escape(contact) + " in " + h.history().file() + ".");
            out.flush();
            return 0;
        }
        int width = SafeText.terminalWidth();
        for (History.Entry e : entries) {
            for (String line : Messenger.render(e, width)) {
                out.println(line);
            }
        }
        out.flush();
        return 0;
    }
}
