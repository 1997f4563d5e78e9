package org.otpi.appliance.exchange;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The one-time code that seals a transfer package: 10 characters of Crockford base32
 * (50 bits), shown on the sender's screen as {@code ABCDE-FGHJK} and typed on the other
 * device. Typing is forgiving: case, spaces and dashes are ignored, O reads as 0, I and L
 * as 1. With Argon2id at 64 MiB per guess, searching 2^50 codes is out of reach for whoever
 * finds the medium. Held as chars and wiped after use; {@link #toString} hides it.
 */
public final class TransferCode {
    static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public static final int LENGTH = 10;
    private final char[] chars;

    private TransferCode(char[] chars) {
        this.chars = chars;
    }

    public static TransferCode generate(SecureRandom random) {
        char[] c = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            c[i] = ALPHABET.charAt(random.nextInt(32));
        }
        return new TransferCode(c);
    }

    /** Parses what the person typed. */
    public static TransferCode parse(char[] typed) {
        char[] c = new char[LENGTH];
        int n = 0;
        for (char t : typed) {
            if (t == '-' || t == ' ') {
                continue;
            }
            char u = Character.toUpperCase(t);
            if (u == 'O') {
                u = '0';
            } else if (u == 'I' || u == 'L') {
                u = '1';
            }
            if (ALPHABET.indexOf(u) < 0 || n == LENGTH) {
                Arrays.fill(c, '\0');
                throw new IllegalArgumentException("a transfer code is " + LENGTH + " letters and digits");
            }
            c[n++] = u;
        }
        if (n != LENGTH) {
            Arrays.fill(c, '\0');
            throw new IllegalArgumentException("a transfer code is " + LENGTH + " letters and digits");
        }
        return new TransferCode(c);
    }

    /** For the screen: {@code ABCDE-FGHJK}. The caller wipes the array. */
    public char[] display() {
        char[] d = new char[LENGTH + 1];
        System.arraycopy(chars, 0, d, 0, 5);
        d[5] = '-';
        System.arraycopy(chars, 5, d, 6, 5);
        return d;
    }

    char[] chars() {
        return chars;
    }

    public void wipe() {
        Arrays.fill(chars, '\0');
    }

    @Override
    public String toString() {
        return "TransferCode[hidden]";
    }
}
