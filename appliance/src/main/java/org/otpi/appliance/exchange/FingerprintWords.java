package org.otpi.appliance.exchange;

import java.util.List;

/**
 * A fixed list of 256 short, distinct English nouns: one word per byte, for fingerprints
 * people read aloud and compare. Never reorder or edit: fingerprints shown by older
 * devices would no longer match.
 */
public final class FingerprintWords {
    static final List<String> WORDS = List.of(
            "acorn", "actor", "agent", "alarm", "album", "alley", "amber", "anchor",
            "angel", "ankle", "apple", "apron", "arena", "arrow", "atlas", "attic",
            "autumn", "badge", "bagel", "baker", "bamboo", "banjo", "barrel", "basin",
            "basket", "beach", "beacon", "beaver", "bench", "berry", "bison", "blade",
            "blanket", "blossom", "board", "bonnet", "border", "bottle", "brain", "branch",
            "brick", "bridge", "broom", "bucket", "buffalo", "bugle", "butter", "cabin",
            "cactus", "camel", "candle", "canoe", "canyon", "carbon", "carpet", "castle",
            "cedar", "cello", "chalk", "cherry", "chimney", "cider", "cinema", "circle",
            "citrus", "clam", "cliff", "clock", "cloud", "clover", "cobra", "coffee",
            "comet", "copper", "coral", "cotton", "cradle", "crater", "crayon", "cricket",
            "crown", "daisy", "dancer", "delta", "desert", "diamond", "dinner", "doctor",
            "dolphin", "donkey", "dragon", "drum", "eagle", "echo", "elbow", "ember",
            "emerald", "engine", "falcon", "feather", "fern", "ferry", "fiddle", "finch",
            "flame", "flute", "forest", "fossil", "fountain", "fox", "garden", "garlic",
            "gazelle", "geyser", "ginger", "glacier", "globe", "goblet", "gorilla", "granite",
            "grape", "gravel", "guitar", "hammer", "harbor", "harp", "hazel", "helmet",
            "heron", "hockey", "honey", "hornet", "iceberg", "igloo", "island", "ivory",
            "jacket", "jaguar", "jasmine", "jelly", "journal", "jungle", "kayak", "kettle",
            "kiwi", "koala", "ladder", "lagoon", "lantern", "lemon", "leopard", "lettuce",
            "library", "lily", "lizard", "lobster", "locket", "lotus", "magnet", "mango",
            "maple", "marble", "meadow", "melon", "meteor", "mirror", "mitten", "monkey",
            "mountain", "muffin", "museum", "nectar", "needle", "nickel", "noodle", "oasis",
            "ocean", "octopus", "olive", "onion", "orbit", "orchid", "otter", "oyster",
            "paddle", "palace", "panda", "panther", "parrot", "peach", "pebble", "pelican",
            "pepper", "piano", "pigeon", "pillow", "pirate", "planet", "plum", "pocket",
            "pony", "poppy", "potato", "prism", "pumpkin", "puzzle", "quartz", "rabbit",
            "radar", "radish", "raven", "ribbon", "river", "robot", "rocket", "saddle",
            "salmon", "sandal", "scarf", "shovel", "silver", "skate", "sparrow", "spider",
            "spoon", "squid", "statue", "stove", "sugar", "summit", "sunset", "swan",
            "tablet", "teapot", "temple", "thunder", "tiger", "tomato", "tornado", "trumpet",
            "tulip", "turtle", "umbrella", "velvet", "violin", "volcano", "wagon", "walnut",
            "walrus", "whale", "willow", "window", "wizard", "yogurt", "zebra", "zipper");

    private FingerprintWords() {
    }

    /** The word for byte {@code b} (its low 8 bits). */
    public static String word(int b) {
        return WORDS.get(b & 0xff);
    }
}
