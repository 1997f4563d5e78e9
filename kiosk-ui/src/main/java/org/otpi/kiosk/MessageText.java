package org.otpi.kiosk;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.Node;
import javafx.scene.control.ScrollPane;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import org.otpi.protocol.kiosk.VisibleText;

/**
 * Message text on the trusted screen: a scrollable flow in a large monospaced font, every
 * character that would not show itself drawn as a highlighted mark ({@link VisibleText}), so what
 * the person reads is what is sealed or was received. {@link #clear()} drops the text nodes.
 */
final class MessageText {
    private final TextFlow flow = new TextFlow();
    private final ScrollPane scroll = new ScrollPane(flow);

    MessageText(String id) {
        flow.setId(id);
        flow.getStyleClass().add("message-flow");
        scroll.setFitToWidth(true);
        scroll.getStyleClass().addAll("scroll", "message-scroll");
        scroll.setId(id + "-scroll");
    }

    Node node() {
        return scroll;
    }

    /** Shows {@code utf8} (the caller wipes it afterwards; the Text nodes keep Strings). */
    void show(byte[] utf8) {
        List<Text> nodes = new ArrayList<>();
        for (VisibleText.Run r : VisibleText.runs(utf8)) {
            Text t = new Text(r.text());
            t.getStyleClass().add(r.mark() ? "message-mark" : "message-run");
            nodes.add(t);
        }
        if (nodes.isEmpty()) {
            Text t = new Text("(empty)");
            t.getStyleClass().add("message-mark");
            nodes.add(t);
        }
        flow.getChildren().setAll(nodes);
        scroll.setVvalue(0);
    }

    void clear() {
        flow.getChildren().clear();
    }

    /** What the flow shows, marks inline (tests read this). */
    String shown() {
        StringBuilder b = new StringBuilder();
        for (Node n : flow.getChildren()) {
            b.append(((Text) n).getText());
        }
        return b.toString();
    }

    /** How many marks are shown (tests). */
    long marks() {
        return flow.getChildren().stream().filter(n -> n.getStyleClass().contains("message-mark")).count();
    }
}
