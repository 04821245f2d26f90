package org.faultline.images.capture;

import java.io.ByteArrayOutputStream;

/**
 * A reversible fold of kernel-log text before it is deflated into the store: a line whose leading
 * {@code [...]} prefix (printk's {@code [    0.000000 #1784]}: time and schedule step) equals the
 * line before's is stored as {@link #MARK} and the rest of the line.
 *
 * <p>Why: the logs of one workload's captures differ from their family's dictionary (the first log)
 * mostly in that prefix — every line of a failure's task dump carries the failing step — and deflate
 * must break its match with the dictionary at each line to spell the new step. Folded, the lines of
 * the dump match the folded dictionary whole; a bug-3 capture's log costs about a quarter of what it
 * did (docs/captures.md, "The store").
 *
 * <p>Any bytes fold losslessly provided they hold no {@link #MARK} byte; a text that holds one, or
 * that no line of which folds, is not folded ({@link #fold} returns null).
 */
final class LineFold {
    /** Stands for the line before's prefix (a control byte no kernel log line holds). */
    static final byte MARK = 1;

    private LineFold() {
    }

    /** @return {@code text} folded, or null if it holds a {@link #MARK} byte or no line folds */
    static byte[] fold(byte[] text) {
        for (byte b : text) {
            if (b == MARK) {
                return null;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length);
        int prevFrom = -1;
        int prevLen = 0;
        boolean folded = false;
        for (int start = 0; start < text.length; ) {
            int end = lineEnd(text, start);
            int len = prefixLength(text, start, end);
            if (len > 0 && len == prevLen && java.util.Arrays.equals(text, start, start + len, text, prevFrom, prevFrom + len)) {
                out.write(MARK);
                out.write(text, start + len, end - start - len);
                folded = true;
            } else {
                out.write(text, start, end - start);
            }
            prevFrom = len > 0 ? start : -1;
            prevLen = len;
            start = end;
        }
        return folded ? out.toByteArray() : null;
    }

    /** @return the text {@link #fold} folded */
    static byte[] unfold(byte[] folded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(folded.length * 2);
        byte[] prev = null;
        for (int start = 0; start < folded.length; ) {
            int end = lineEnd(folded, start);
            if (folded[start] == MARK && prev != null) {
                out.write(prev, 0, prev.length);
                out.write(folded, start + 1, end - start - 1);
            } else {
                int len = prefixLength(folded, start, end);
                prev = len > 0 ? java.util.Arrays.copyOfRange(folded, start, start + len) : null;
                out.write(folded, start, end - start);
            }
            start = end;
        }
        return out.toByteArray();
    }

    /** @return the index after the line starting at {@code start} (its newline included) */
    private static int lineEnd(byte[] b, int start) {
        int i = start;
        while (i < b.length && b[i] != '\n') {
            i++;
        }
        return Math.min(b.length, i + 1);
    }

    /** @return the length of the line's {@code [...]} prefix, the bracket included; 0 if it has none */
    private static int prefixLength(byte[] b, int start, int end) {
        if (b[start] != '[') {
            return 0;
        }
        for (int i = start + 1; i < end; i++) {
            if (b[i] == ']') {
                return i + 1 - start;
            }
            if (b[i] == '\n') {
                return 0;
            }
        }
        return 0;
    }
}
