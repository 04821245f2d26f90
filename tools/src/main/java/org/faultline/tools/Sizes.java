package org.faultline.tools;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Byte sizes on the command line: plain bytes ({@code 4096}) or a number with a binary suffix
 * {@code k}, {@code M}, {@code G}, {@code T} (case-insensitive, optionally followed by {@code iB} or
 * {@code B}): {@code 4k} is 4096 bytes, {@code 1M} is 1048576 — as fio and dd read them.
 */
final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})([kKmMgGtT]?)(?:[iI]?[bB])?");

    private Sizes() {
    }

    /**
     * Parses a size.
     *
     * @throws IllegalArgumentException with a one-line message if it is not a positive size
     */
    static long parse(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a size (examples: 4096, 4k, 64K, 1M, 1G)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new IllegalArgumentException("size must be positive, got '" + s + "'");
        }
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + s + "' is too large");
        }
        return n << shift;
    }

    /** A size for people: {@code 4 KiB}, {@code 1 MiB}, {@code 1.5 GiB}, {@code 1000 bytes}. */
    static String format(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
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
