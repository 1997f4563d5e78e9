package org.otpi.bridge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;

/** Where the interactive chat reads lines from: JLine on a terminal, a plain reader otherwise. */
interface LineSource extends AutoCloseable {
    /** The next line, or null at end of input. */
    String readLine(String prompt) throws IOException;

    /** Prints a line without disturbing the one being typed. */
    void printAbove(String line);

    @Override
    default void close() throws IOException {
    }

    /** Plain lines (tests, pipes): prompts are not echoed, output goes to {@code out}. */
    static LineSource plain(BufferedReader in, PrintWriter out) {
        return new LineSource() {
            @Override
            public String readLine(String prompt) throws IOException {
                return in.readLine();
            }

            @Override
            public void printAbove(String line) {
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            }
        };
    }

    /** JLine on the real terminal, with history and asynchronous printing above the prompt. */
    static LineSource jline() throws IOException {
        org.jline.terminal.Terminal terminal = org.jline.terminal.TerminalBuilder.builder().system(true).build();
        org.jline.reader.LineReader reader = org.jline.reader.LineReaderBuilder.builder().terminal(terminal).build();
        return new LineSource() {
            @Override
            public String readLine(String prompt) {
                try {
                    return reader.readLine(prompt);
                } catch (org.jline.reader.UserInterruptException | org.jline.reader.EndOfFileException e) {
                    return null;
                }
            }

            @Override
            public void printAbove(String line) {
                reader.printAbove(line);
            }

            @Override
            public void close() throws IOException {
                terminal.close();
            }
        };
    }
}
