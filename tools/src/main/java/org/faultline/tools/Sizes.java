package org.faultline.tools;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Byte sizes on the command line: plain bytes ({@code 4096}) or a number with a binary suffix
 * {@code k}, {@code M}, {@code G}, {@code T}, {@code P}, {@code E} (case-insensitive, optionally followed by {@code iB} or
 * {@code B}): {@code 4k} is 4096 bytes, {@code 1M} is 1048576 — as fio and dd read them.
 */
final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})([kKmMgGtTpPeE]?)(?:[iI]?[bB])?");

    /** The accepted form, for every message that refuses a size. */
    static final String FORM = "a whole number of bytes, optionally with a k, M, G, T, P or E suffix "
            + "(powers of 1024), e.g. 4096, 64k, 16M, 1G";

    private Sizes() {
    }

    /**
     * Parses a size: the one routine every size option goes through (its picocli {@link Converter}).
     *
     * @throws IllegalArgumentException with a one-line message if it is not a positive size that
     *                                  fits in 63 bits
     */
    static long parse(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a size; give " + FORM);
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            case "e" -> 60;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n == 0) {
            throw new IllegalArgumentException("'" + s + "' is not a size: it must be positive; give " + FORM);
        }
        if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + s + "' is too large: at most 8E - 1 bytes (2^63 - 1)");
        }
        return n << shift;
    }

    /**
     * {@link #parse} for option {@code option}, refusing with a {@link CliError} (exit 2) that names
     * the option: for sizes given as strings, or read from somewhere other than the command line.
     */
    static long parse(String option, String s) {
        try {
            return parse(s);
        } catch (IllegalArgumentException e) {
            throw new CliError(option + ": " + e.getMessage());
        }
    }

    /** A size for people: {@code 4 KiB}, {@code 1 MiB}, {@code 1.5 GiB}, {@code 1000 bytes}. */
    static String format(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (v == Math.rint(v)) {
            return (long) v + " " + units[u];
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }

    /**
     * {@code bytes} as a size option accepts it, in the largest unit that divides it exactly:
     * {@code 3572M}, {@code 64k}, {@code 4097}.
     */
    static String option(long bytes) {
        String[] units = {"", "k", "M", "G", "T", "P", "E"};
        int u = 0;
        while (u < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            u++;
        }
        return bytes + units[u];
    }

    /** picocli converter for size options. */
    static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
