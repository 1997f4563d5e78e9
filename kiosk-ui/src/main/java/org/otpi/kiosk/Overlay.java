package org.otpi.kiosk;

import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/**
 * A card on a dimmed backdrop (the scrim) over the screens, hidden until shown: the frame of
 * every dialog (approval, pairing, backup, exchange). The card carries {@code id} as its node id
 * and style class.
 */
final class Overlay {
    private final StackPane scrim = new StackPane();
    final VBox card;

    /**
     * @param fill whether the card takes the whole screen; otherwise it is as tall as its content
     *             and as wide as the screen
     */
    Overlay(String id, Pos alignment, boolean fill, Node... children) {
        card = new VBox(children);
        card.getStyleClass().addAll("card", id);
        card.setId(id);
        card.setAlignment(alignment);
        card.setMaxWidth(Double.MAX_VALUE);
        card.setMaxHeight(fill ? Double.MAX_VALUE : Region.USE_PREF_SIZE);
        scrim.getStyleClass().add("scrim");
        scrim.getChildren().add(card);
        scrim.setVisible(false);
    }

    StackPane node() {
        return scrim;
    }

    boolean isShowing() {
        return scrim.isVisible();
    }

    void setShowing(boolean showing) {
        scrim.setVisible(showing);
    }

    /** Where the card sits: at the top leaves room for the on-screen keyboard. */
    void place(Pos where) {
        StackPane.setAlignment(card, where);
    }
}
