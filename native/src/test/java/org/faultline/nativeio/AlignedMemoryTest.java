package org.faultline.nativeio;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlignedMemoryTest {

    @Test
    void alignedAndZeroFilledForSeveralSizes() throws Exception {
        for (long size : new long[] {1, 100, 4095, 4096, 4097, 3 * 4096 + 1, 1 << 20, (1 << 22) + 17}) {
            // dirty the heap first so zero-filling is really observed
            try (AlignedMemory dirty = AlignedMemory.allocate(size)) {
                dirty.fill(0, size, (byte) 0xA5);
            }
            try (AlignedMemory m = AlignedMemory.allocate(size)) {
                assertEquals(0, m.address() % 4096, "size " + size);
                assertEquals(size, m.size());
                assertEquals(4096, m.alignment());
                byte[] all = new byte[(int) size];
                m.get(0, all, 0, all.length);
                assertArrayEquals(new byte[(int) size], all, "zero-filled, size " + size);
            }
        }
        // alignments above the page size, on both allocation paths
        try (AlignedMemory m = AlignedMemory.allocate(12345, 1 << 16)) {
            assertEquals(0, m.address() % (1 << 16));
        }
        for (int i = 0; i < 4; i++) {
            try (AlignedMemory m = AlignedMemory.allocate(3L << 20, 2L << 20)) {
                assertEquals(0, m.address() % (2L << 20));
                m.fill(0, m.size(), (byte) 1);   // the whole range is mapped and writable
                assertEquals(1, m.getByte(m.size() - 1));
            }
        }
    }

    @Test
    void putGetFillCopyAndSlice() throws Exception {
        try (AlignedMemory m = AlignedMemory.allocate(8192)) {
            byte[] data = TestDirs.pattern(1000, 9);
            m.put(100, data, 0, 1000);
            byte[] got = new byte[1000];
            m.get(100, got, 0, 1000);
            assertArrayEquals(data, got);

            // partial array ranges
            byte[] part = new byte[10];
            m.get(105, part, 3, 4);
            assertEquals(data[5], part[3]);
            assertEquals(data[8], part[6]);
            assertEquals(0, part[7]);

            m.fill(2000, 50, (byte) 7);
            assertEquals(0, m.getByte(1999));
            assertEquals(7, m.getByte(2000));
            assertEquals(7, m.getByte(2049));
            assertEquals(0, m.getByte(2050));

            // overlapping copy behaves like memmove
            m.copy(100, 150, 1000);
            m.get(150, got, 0, 1000);
            assertArrayEquals(data, got);

            ByteBuffer view = m.slice(4096, 16);
            assertEquals(16, view.capacity());
            assertTrue(view.isDirect());
            assertEquals(ByteOrder.nativeOrder(), view.order());
            view.order(ByteOrder.BIG_ENDIAN).putInt(0, 0x01020304);
            assertEquals(1, m.getByte(4096));
            assertEquals(4, m.getByte(4099));
            m.putByte(4100, (byte) 9);
            assertEquals(9, view.get(4));
        }
    }

    @Test
    void boundsAreChecked() throws Exception {
        try (AlignedMemory m = AlignedMemory.allocate(4096)) {
            byte[] buf = new byte[8192];
            assertThrows(IndexOutOfBoundsException.class, () -> m.get(4000, buf, 0, 97));
            assertThrows(IndexOutOfBoundsException.class, () -> m.put(-1, buf, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.get(0, buf, 8190, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> m.put(0, buf, 0, 4097));
            assertThrows(IndexOutOfBoundsException.class, () -> m.slice(4090, 7));
            assertThrows(IndexOutOfBoundsException.class, () -> m.slice(0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.fill(1, 4096, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.copy(0, 1, 4096));
            assertThrows(IndexOutOfBoundsException.class, () -> m.copy(Long.MAX_VALUE, 0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> m.getByte(4096));
            assertThrows(IndexOutOfBoundsException.class, () -> m.address(4000, 97));
            assertDoesNotThrow(() -> m.get(4000, buf, 0, 96));
            assertDoesNotThrow(() -> m.slice(4096, 0));
        }
        assertThrows(IllegalArgumentException.class, () -> AlignedMemory.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> AlignedMemory.allocate(4096, 3000));
    }

    @Test
    void useAfterCloseThrowsAndCloseFreesOnce() throws Exception {
        AlignedMemory m = AlignedMemory.allocate(4096);
        m.close();
        m.close();
        assertTrue(m.isClosed());
        assertThrows(IllegalStateException.class, m::address);
        assertThrows(IllegalStateException.class, () -> m.get(0, new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> m.put(0, new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> m.slice(0, 1));
        assertThrows(IllegalStateException.class, () -> m.fill(0, 1, (byte) 0));
        assertThrows(IllegalStateException.class, () -> m.copy(0, 1, 1));
        assertEquals(4096, m.size());
    }

    @Test
    void regionsLargerThanTwoGibUseLongOffsets() throws Exception {
        long size = (1L << 31) + 8192;
        try (AlignedMemory m = AlignedMemory.allocate(size)) {
            assertEquals(size, m.size());
            long far = size - 4096;
            assertEquals(0, m.getByte(far));
            byte[] data = TestDirs.pattern(4096, 10);
            m.put(far, data, 0, 4096);
            m.copy(far, 0, 4096);
            byte[] got = new byte[4096];
            m.get(0, got, 0, 4096);
            assertArrayEquals(data, got);
            assertEquals(data[0], m.slice(far, 16).get(0));
            assertThrows(IndexOutOfBoundsException.class, () -> m.getByte(size));
        }
    }

    @Test
    void allocationFailureIsAnErrnoException() {
        // large regions come from mmap
        ErrnoException e = assertThrows(ErrnoException.class, () -> AlignedMemory.allocate(1L << 60));
        assertEquals("ENOMEM", e.errnoName());
        assertEquals("mmap", e.call());
        assertEquals("mmap: Cannot allocate memory (ENOMEM); " + (1L << 60) + " bytes aligned to 4096",
                e.getMessage());
        // the size guard answers the same way instead of overflowing
        ErrnoException huge = assertThrows(ErrnoException.class, () -> AlignedMemory.allocate(Long.MAX_VALUE));
        assertEquals("ENOMEM", huge.errnoName());
    }
}
