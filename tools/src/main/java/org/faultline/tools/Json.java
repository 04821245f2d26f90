package org.faultline.tools;

import java.util.Locale;

/**
 * A hand-written, flat JSON object for {@code --json} output: keys in insertion order, strings
 * escaped per RFC 8259, doubles with a fixed number of decimals (never NaN or Infinity: those print
 * as {@code null}). One object per line, so scripts can {@code jq} it.
 */
final class Json {
    private final StringBuilder sb = new StringBuilder("{");

    private Json key(String k) {
        if (sb.length() > 1) {
            sb.append(", ");
        }
        quote(k);
        sb.append(": ");
        return this;
    }

    Json put(String k, String v) {
        key(k);
        if (v == null) {
            sb.append("null");
        } else {
            quote(v);
        }
        return this;
    }

    Json put(String k, long v) {
        key(k).sb.append(v);
        return this;
    }

    Json put(String k, boolean v) {
        key(k).sb.append(v);
        return this;
    }

    /** A double with {@code decimals} digits after the point. */
    Json put(String k, double v, int decimals) {
        key(k);
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            sb.append("null");
        } else {
            sb.append(String.format(Locale.ROOT, "%." + decimals + "f", v));
        }
        return this;
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb + "}";
    }
}
