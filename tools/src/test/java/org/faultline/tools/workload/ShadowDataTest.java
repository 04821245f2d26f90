package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The oracle's bulk reads of expected bytes ({@code Data.get}) give what {@code Data.at} gives byte by byte. */
class ShadowDataTest {
    @Test
    void bulkGetAgreesWithAtOverRandomRanges() {
        Random r = new Random(1);
        byte[] copied = new byte[300];
        r.nextBytes(copied);
        BitSet holes = new BitSet();
        for (int i = 0; i < 40; i++) {
            holes.set(r.nextInt(300));
        }
        List<Shadow.Data> all = List.of(Shadow.UNKNOWN, new Shadow.Seeded(7), new Shadow.Seeded(-3), new Shadow.Fill(0x5a),
                new Shadow.Copy(1000, copied, holes), new Shadow.Copy(1000, copied, new BitSet()),
                new Shadow.Limited(new Shadow.Seeded(9), 1010, 1100),
                new Shadow.Limited(new Shadow.Copy(1000, copied, holes), 990, 1200));
        for (Shadow.Data d : all) {
            for (int k = 0; k < 300; k++) {
                long pos = 950 + r.nextInt(450);
                int len = r.nextInt(200);
                byte[] got = new byte[len + 5];
                BitSet unknown = new BitSet();
                unknown.set(len + 3); // a bit set before: never cleared
                boolean allKnown = d.get(pos, len, got, 2, unknown, 1);
                byte[] want = new byte[len + 5];
                BitSet wantUnknown = new BitSet();
                wantUnknown.set(len + 3);
                boolean wantAll = true;
                for (int i = 0; i < len; i++) {
                    int b = d.at(pos + i);
                    if (b < 0) {
                        wantUnknown.set(1 + i);
                        wantAll = false;
                    } else {
                        want[2 + i] = (byte) b;
                    }
                }
                assertArrayEquals(want, got, d + " at " + pos + "+" + len);
                assertEquals(wantUnknown, unknown, d + " at " + pos + "+" + len);
                assertEquals(wantAll, allKnown, d + " at " + pos + "+" + len);
            }
        }
    }
}
