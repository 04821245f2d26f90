package org.faultline.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.faultline.nativeio.AlignedMemory;
import org.junit.jupiter.api.Test;

/** The copy-on-write RAM disk reads as its template plus what was written, and never changes the template. */
class CowMemDiskTest {
    @Test
    void readsAsTheTemplatePlusEveryWriteAtAnyGranularity() throws Exception {
        Random r = new Random(5);
        byte[] template = new byte[64 * 4096];
        r.nextBytes(template);
        byte[] kept = template.clone();
        byte[] model = template.clone();
        try (CowMemDisk d = new CowMemDisk(template); AlignedMemory buf = AlignedMemory.allocate(3 * 4096)) {
            for (int i = 0; i < 300; i++) {
                int off = r.nextInt(template.length - 512) / 512 * 512; // sector-aligned, as requests are
                int len = Math.min(template.length - off, 512 * (1 + r.nextInt(20)));
                byte[] data = new byte[len];
                r.nextBytes(data);
                buf.put(0, data, 0, len);
                d.rawTransfer(true, off, buf, len);
                System.arraycopy(data, 0, model, off, len);
                int roff = r.nextInt(template.length - 4096);
                int rlen = 1 + r.nextInt(Math.min(3 * 4096, template.length - roff));
                d.rawTransfer(false, roff, buf, rlen);
                byte[] got = new byte[rlen];
                buf.get(0, got, 0, rlen);
                byte[] want = new byte[rlen];
                System.arraycopy(model, roff, want, 0, rlen);
                assertArrayEquals(want, got, "read " + roff + "+" + rlen + " after " + i + " writes");
            }
        }
        assertArrayEquals(kept, template, "the template is shared and never written");
    }
}
