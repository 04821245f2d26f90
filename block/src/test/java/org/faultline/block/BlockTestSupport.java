package org.faultline.block;

import org.faultline.mm.MemMap;
import org.faultline.mm.Page;

/** Helpers: fill and check page contents through the RAM arena. */
final class BlockTestSupport {
    private BlockTestSupport() {
    }

    static void fill(MemMap mem, Page p, byte seed) {
        byte[] b = new byte[Page.PAGE_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        mem.ram().put(mem.offsetOf(p), b, 0, b.length);
    }

    static boolean matches(MemMap mem, Page p, byte seed) {
        byte[] b = new byte[Page.PAGE_SIZE];
        mem.ram().get(mem.offsetOf(p), b, 0, b.length);
        for (int i = 0; i < b.length; i++) {
            if (b[i] != (byte) (seed + i * 31)) {
                return false;
            }
        }
        return true;
    }

    static void zero(MemMap mem, Page p) {
        mem.ram().fill(mem.offsetOf(p), Page.PAGE_SIZE, (byte) 0);
    }
}
