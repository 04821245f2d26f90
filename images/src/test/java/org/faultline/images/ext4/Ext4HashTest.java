package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.fs.ext4.DxDescriptor;
import org.faultline.fs.ext4.Ext4Hash;
import org.junit.jupiter.api.Test;

/**
 * {@link Ext4Hash#ext4fsDirhash} against e2fsprogs' own ({@code debugfs dx_hash}): random names of 1 to
 * 255 bytes, ASCII and multi-byte UTF-8 (bytes above 0x7f tell the signed and unsigned variants apart),
 * every hash version, a random seed and the all-zero (default) one.
 */
class Ext4HashTest {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+=~,:@%"
            + "éüßøñçÅ€ж中文";

    private static String randomName(Random r) {
        int len = switch (r.nextInt(4)) {
            case 0 -> 1 + r.nextInt(4);
            case 1 -> 1 + r.nextInt(40);
            default -> 1 + r.nextInt(120);
        };
        StringBuilder sb = new StringBuilder("n");    // never a leading '-': dx_hash would take it as an option
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < len) {
            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        String s = sb.toString();
        while (s.getBytes(StandardCharsets.UTF_8).length > 255) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** The four little-endian words {@code uuid_parse} makes of a seed in its string form. */
    private static int[] seedWords(String uuid) {
        byte[] b = HexFormat.of().parseHex(uuid.replace("-", ""));
        int[] w = new int[4];
        for (int i = 0; i < 4; i++) {
            w[i] = (b[4 * i] & 0xff) | (b[4 * i + 1] & 0xff) << 8 | (b[4 * i + 2] & 0xff) << 16 | (b[4 * i + 3] & 0xff) << 24;
        }
        return w;
    }

    private record Case(String name, int version, String seed) {
    }

    @Test
    void everyVersionMatchesDebugfs() throws Exception {
        E2fs.assumeInstalled();
        Random r = new Random(20240611);
        List<String> names = new ArrayList<>(List.of("a", ".", "..", "lost+found", "x".repeat(255), "é", "ÿÿÿÿ"));
        while (names.size() < 400) {
            names.add(randomName(r));
        }
        names.add("z".repeat(200) + "é".repeat(27));   // 254 bytes, the last ones high
        String[] seeds = {"00000000-0000-0000-0000-000000000000", new java.util.UUID(r.nextLong(), r.nextLong()).toString()};
        List<Case> cases = new ArrayList<>();
        StringBuilder cmds = new StringBuilder();
        for (String seed : seeds) {
            for (int version = DxDescriptor.DX_HASH_LEGACY; version <= DxDescriptor.DX_HASH_TEA_UNSIGNED; version++) {
                for (String n : names) {
                    cases.add(new Case(n, version, seed));
                    cmds.append("dx_hash -h ").append(version).append(" -s ").append(seed).append(' ').append(n).append('\n');
                }
            }
        }
        Path f = E2fs.scratch("hash").resolve("cmds");
        Files.writeString(f, cmds, StandardCharsets.UTF_8);
        E2fs.Run run = E2fs.run("debugfs", "-f", f.toString());
        Matcher m = Pattern.compile("Hash of (.*) is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)").matcher(run.out());
        int i = 0;
        int highBytes = 0;
        while (m.find()) {
            Case c = cases.get(i++);
            assertEquals(c.name, m.group(1), "debugfs answered in order");
            byte[] nb = c.name.getBytes(StandardCharsets.UTF_8);
            Ext4Hash.DxHash h = Ext4Hash.ext4fsDirhash(nb, c.version, seedWords(c.seed));
            String what = "version " + c.version + " seed " + c.seed + " name '" + c.name + "'";
            assertEquals(Long.parseLong(m.group(2), 16), h.hash(), "hash of " + what);
            assertEquals(Long.parseLong(m.group(3), 16), h.minorHash(), "minor hash of " + what);
            if (new String(nb, StandardCharsets.ISO_8859_1).chars().anyMatch(ch -> ch > 0x7f)) {
                highBytes++;
            }
        }
        assertEquals(cases.size(), i, "one answer per name: " + run.out().lines().limit(5).toList());
        assertTrue(highBytes > 1000, "names with bytes above 0x7f were hashed: " + highBytes);
    }

    @Test
    void signedAndUnsignedDifferOnlyForHighBytes() {
        int[] seed = {1, 2, 3, 4};
        byte[] ascii = "plain-ascii-name".getBytes(StandardCharsets.UTF_8);
        byte[] high = "naïve-ñame".getBytes(StandardCharsets.UTF_8);
        for (int v = DxDescriptor.DX_HASH_LEGACY; v <= DxDescriptor.DX_HASH_TEA; v++) {
            assertEquals(Ext4Hash.ext4fsDirhash(ascii, v, seed), Ext4Hash.ext4fsDirhash(ascii, v + 3, seed));
            assertNotEquals(Ext4Hash.ext4fsDirhash(high, v, seed), Ext4Hash.ext4fsDirhash(high, v + 3, seed));
            assertEquals(0, Ext4Hash.ext4fsDirhash(high, v, seed).hash() & 1, "bit 0 is the collision bit");
        }
        assertEquals(Ext4Hash.ext4fsDirhash(ascii, DxDescriptor.DX_HASH_HALF_MD4, null),
                Ext4Hash.ext4fsDirhash(ascii, DxDescriptor.DX_HASH_HALF_MD4, new int[4]), "a zero seed is the default");
        assertNull(Ext4Hash.ext4fsDirhash(ascii, DxDescriptor.DX_HASH_SIPHASH, seed), "siphash is not modelled");
    }
}
