package org.faultline.images.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineFoldTest {
    private static final String[] PIECES = {"[", "]", "[    0.000000 #1784]", "[    0.000000 #1940]", "\n", " ", "x",
        "wait_on_page_bit", "[a]", "]]", "[[", "\n\n", "\u00e9",
        "\n[    0.000000 #1784]", "\n[a]", "\n[a]"};

    /** Random texts built of brackets, prefixes and newlines come back byte for byte. */
    @Test
    void randomTextsUnfoldToThemselves() {
        Random r = new Random(5);
        int foldedCount = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder t = new StringBuilder();
            int n = r.nextInt(40);
            for (int k = 0; k < n; k++) {
                t.append(PIECES[r.nextInt(PIECES.length)]);
            }
            byte[] raw = t.toString().getBytes(StandardCharsets.UTF_8);
            byte[] f = LineFold.fold(raw);
            if (f != null) {
                foldedCount++;
                assertArrayEquals(raw, LineFold.unfold(f), "text " + i + ": " + t);
                assertTrue(f.length < raw.length, "a fold only when it gains");
            }
        }
        assertTrue(foldedCount > 500, "folds happened: " + foldedCount);
    }

    @Test
    void aRepeatedPrefixIsStoredOnceAndATextHoldingTheMarkIsNotFolded() {
        byte[] log = ("[    0.000000 #1784] task:hog state:D\n[    0.000000 #1784] Call Trace:\n"
                + "[    0.000000 #1784]  wait_on_page_bit\nplain line\n[    0.000000 #1784]  again\n").getBytes(StandardCharsets.UTF_8);
        byte[] f = LineFold.fold(log);
        assertNotNull(f);
        assertArrayEquals(("[    0.000000 #1784] task:hog state:D\n\u0001 Call Trace:\n\u0001  wait_on_page_bit\n"
                + "plain line\n[    0.000000 #1784]  again\n").getBytes(StandardCharsets.UTF_8), f);
        assertArrayEquals(log, LineFold.unfold(f));
        assertNull(LineFold.fold("[a] x\n[a] \u0001y\n".getBytes(StandardCharsets.UTF_8)));
        assertNull(LineFold.fold("no prefixes\nhere\n".getBytes(StandardCharsets.UTF_8)));
    }
}
