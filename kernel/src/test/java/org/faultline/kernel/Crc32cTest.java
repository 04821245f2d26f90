package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class Crc32cTest {
    @Test
    void agreesWithTheJdkAtEveryLengthAndOffset() {
        Random r = new Random(42);
        byte[] b = new byte[300];
        r.nextBytes(b);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len + off <= b.length; len += 1 + len / 7) {
                CRC32C j = new CRC32C();
                j.update(b, off, len);
                assertEquals(j.getValue(), ~Crc32c.crc32c(~0, b, off, len) & 0xffffffffL, "off " + off + " len " + len);
            }
        }
    }

    @Test
    void aChainEqualsOneCallOverTheConcatenation() {
        byte[] b = "123456789abcdefghij".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int whole = Crc32c.crc32c(~0, b);
        for (int cut = 0; cut <= b.length; cut++) {
            assertEquals(whole, Crc32c.crc32c(Crc32c.crc32c(~0, b, 0, cut), b, cut, b.length - cut));
        }
        // the check value of CRC-32C (iSCSI): 0xE3069283 for "123456789"
        assertEquals(0xE3069283L, ~Crc32c.crc32c(~0, b, 0, 9) & 0xffffffffL);
    }

    @Test
    void le32FoldIsTheFourBytesLittleEndian() {
        Random r = new Random(7);
        for (int i = 0; i < 1000; i++) {
            int seed = r.nextInt();
            int v = r.nextInt();
            byte[] le = {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
            assertEquals(Crc32c.crc32c(seed, le), Crc32c.crc32cLe32(seed, v));
        }
    }
}
