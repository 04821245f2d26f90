package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.fs.Syscalls;
import org.faultline.tools.workload.Shadow.Actor;
import org.faultline.tools.workload.Shadow.FileShadow;
import org.faultline.tools.workload.Shadow.MapShadow;
import org.faultline.tools.workload.Shadow.Origin;
import org.junit.jupiter.api.Test;

/**
 * The oracle's model without a kernel: interleavings forced by hand (a system call is the span
 * between begin and end), barriers simulated by joining vector clocks.
 */
class OracleTest {
    private final Oracle o = new Oracle();
    private final Actor[] t = o.bind(List.of("a", "b", "c"));
    private final Actor a = t[0];
    private final Actor b = t[1];
    private final Actor c = t[2];

    private static Origin at(int line) {
        return new Origin("x", () -> "t.wl:" + line + " (stmt " + line + ")");
    }

    /** Every actor passes one barrier together. */
    private void barrier(Actor... all) {
        long[] j = all[0].vc.clone();
        for (Actor x : all) {
            for (int i = 0; i < j.length; i++) {
                j[i] = Math.max(j[i], x.vc[i]);
            }
        }
        for (Actor x : all) {
            System.arraycopy(j, 0, x.vc, 0, j.length);
            x.vc[x.index]++;
        }
    }

    private static byte[] pattern(long seed, long off, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) Shadow.patternByte(seed, off + i);
        }
        return b;
    }

    private void write(Actor x, FileShadow f, long off, int len, long seed) {
        Oracle.FileOp op = o.beginWrite(x, f, off, len, false, at(1));
        o.endWrite(op, len, new Shadow.Seeded(seed));
    }

    @Test
    void aTasksOwnWritesAreCheckedAndADifferenceIsReported() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 8192, 1);
        assertNull(o.verifyRead(a, f, 0, 8192, pattern(1, 0, 8192), 8192, false));
        byte[] bad = pattern(1, 0, 8192);
        bad[5000] ^= 0x10;
        Oracle.Mismatch m = o.verifyRead(a, f, 4096, 8192, java.util.Arrays.copyOfRange(bad, 4096, 8192), 4096, false);
        assertNotNull(m);
        assertEquals(String.format("data corruption: /a offset 5000: expected 0x%02x got 0x%02x", Shadow.patternByte(1, 5000),
                bad[5000] & 0xff), m.title());
        assertTrue(m.details().startsWith("1 of 4096 bytes read at 4096 differ (4096 checked, 0 not checkable)"), m.details());
        assertTrue(m.details().contains("come from x at t.wl:1 (stmt 1)"), m.details());
        // the count: the file has 8192 bytes
        m = o.verifyRead(a, f, 4096, 8192, pattern(1, 4096, 8192), 8192, false);
        assertEquals("data corruption: /a: read of 8192 bytes at offset 4096 returned 8192, expected 4096", m.title());
    }

    @Test
    void anotherTasksWriteIsCheckedOnlyAfterABarrier() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 4096, 1);
        byte[] junk = new byte[4096];
        assertNull(o.verifyRead(b, f, 0, 4096, junk, 4096, false), "b is not ordered after a's write");
        assertNull(o.verifyRead(b, f, 0, 4096, junk, 0, false), "nor is the size");
        barrier(a, b);
        assertNotNull(o.verifyRead(b, f, 0, 4096, junk, 4096, false), "after the barrier b checks");
        assertNull(o.verifyRead(b, f, 0, 4096, pattern(1, 0, 4096), 4096, false));
        // ordering is transitive: c passes a barrier with b only
        assertNull(o.verifyRead(c, f, 0, 4096, junk, 4096, false));
        barrier(b, c);
        assertNotNull(o.verifyRead(c, f, 0, 4096, junk, 4096, false));
        // a's write after the barrier is not ordered before b
        write(a, f, 0, 4096, 2);
        assertNull(o.verifyRead(b, f, 0, 4096, junk, 4096, false));
    }

    @Test
    void aWriteInProgressIsNotCheckedEvenByOrderedReaders() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 4096, 1);
        barrier(a, b, c);
        Oracle.FileOp op = o.beginWrite(c, f, 0, 4096, false, at(2)); // c's pwrite has started
        assertNull(o.verifyRead(b, f, 0, 4096, pattern(9, 0, 4096), 4096, false), "either value is right now");
        o.endWrite(op, 4096, new Shadow.Seeded(9));
        barrier(b, c);
        assertNull(o.verifyRead(b, f, 0, 4096, pattern(9, 0, 4096), 4096, false));
        assertNotNull(o.verifyRead(b, f, 0, 4096, pattern(1, 0, 4096), 4096, false));
    }

    @Test
    void bytesTwoUnorderedTasksWroteAreUnknownUntilAnOrderedWrite() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 8192, 1);
        write(b, f, 4096, 8192, 2);
        barrier(a, b, c);
        byte[] junk = new byte[12288];
        Oracle.Mismatch m = o.verifyRead(c, f, 0, 12288, junk, 12288, false);
        assertNotNull(m, "[0, 4k) is a's alone and [8k, 12k) b's alone");
        assertTrue(m.title().startsWith("data corruption: /a offset 0:"), m.title());
        byte[] either = new byte[12288];
        System.arraycopy(pattern(1, 0, 4096), 0, either, 0, 4096);
        System.arraycopy(pattern(2, 8192, 4096), 0, either, 8192, 4096);
        assertNull(o.verifyRead(c, f, 0, 12288, either, 12288, false), "[4k, 8k) is not checked");
        Oracle.ExpectedFile e = o.expectedFiles().get("/a");
        assertEquals(12288, e.size());
        assertEquals(8192, e.knownBytes());
        assertFalse(e.known(5000));
        write(c, f, 4096, 4096, 3);
        assertEquals(12288, o.expectedFiles().get("/a").knownBytes());
    }

    @Test
    void aSizeRacedOverIsARangeUntilAnOrderedChange() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 8192, 1);
        barrier(a, b);
        Oracle.FileOp tr = o.beginTruncate(a, f, 1000, at(3));
        write(b, f, 0, 16384, 2);
        o.endTruncate(tr, 0);
        Oracle.ExpectedFile e = o.expectedFiles().get("/a");
        assertEquals(1000, e.sizeMin());
        assertEquals(16384, e.sizeMax());
        assertFalse(e.sizeKnown());
        assertEquals(java.util.Optional.empty(), e.compare(pattern(2, 0, 16384)));
        assertTrue(e.compare(new byte[20000]).orElseThrow().startsWith("/a: size 20000, expected 1000..16384"));
        barrier(a, b);
        assertNull(o.verifyStat(b, "/a", 5), "not known");
        Oracle.FileOp tr2 = o.beginTruncate(a, f, 100, at(4));
        o.endTruncate(tr2, 0);
        barrier(a, b);
        assertEquals("data corruption: /a: size 5, expected 100", o.verifyStat(b, "/a", 5).title());
    }

    @Test
    void failedAndShortWritesLeaveWhatTheyMayHaveChangedUnknown() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 8192, 1);
        Oracle.FileOp op = o.beginWrite(a, f, 0, 4096, false, at(5));
        o.endWrite(op, -28, new Shadow.Seeded(2)); // ENOSPC
        Oracle.FileOp shortw = o.beginWrite(a, f, 8192, 8192, false, at(6));
        o.endWrite(shortw, 1000, new Shadow.Seeded(3));
        Oracle.ExpectedFile e = o.expectedFiles().get("/a");
        assertEquals(9192, e.size());
        assertFalse(e.known(0));
        assertTrue(e.known(4096));
        assertTrue(e.known(9191));
        assertEquals((byte) Shadow.patternByte(3, 9000), e.data()[9000]);
    }

    @Test
    void directReadsReturnExactlyTheBytesBelowEof() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 1000, 1);
        byte[] buf = new byte[4096];
        System.arraycopy(pattern(1, 0, 1000), 0, buf, 0, 1000);
        buf[1010] = 0x55; // beyond EOF: not checked
        assertNull(o.verifyRead(a, f, 0, 4096, buf, 1000, true));
        assertNotNull(o.verifyRead(a, f, 0, 4096, buf, 1024, true), "the EOF sector's tail is not file data");
        assertNotNull(o.verifyRead(a, f, 0, 4096, buf, 1024, false), "a buffered read stops at EOF");
    }

    @Test
    void truncateZeroesAndPunchZeroesTheRange() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 16384, 1);
        Oracle.FileOp tr = o.beginTruncate(a, f, 6000, at(7));
        o.endTruncate(tr, 0);
        Oracle.FileOp grow = o.beginTruncate(a, f, 16384, at(8));
        o.endTruncate(grow, 0);
        Oracle.FileOp punch = o.beginFallocate(a, f, 0, 4096, Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_KEEP_SIZE, at(9));
        o.endFallocate(punch, 0);
        Oracle.FileOp zr = o.beginFallocate(a, f, 16384, 4096, Syscalls.FALLOC_FL_ZERO_RANGE, at(10));
        o.endFallocate(zr, 0);
        Oracle.ExpectedFile e = o.expectedFiles().get("/a");
        assertEquals(20480, e.size());
        assertEquals(e.size(), e.knownBytes());
        assertEquals(0, e.data()[100]);
        assertEquals((byte) Shadow.patternByte(1, 5000), e.data()[5000]);
        assertEquals(0, e.data()[7000]);
    }

    @Test
    void namesFollowRenameAndUnlinkAndInodesAreReleased() {
        FileShadow f = o.opened("/a", 12, 0, false);
        FileShadow g = o.opened("/d/b", 13, 0, false);
        assertNull(o.opened("/d", 2, 4096, true));
        o.renamed("/d", "/e");
        o.renamed("/a", "/e/b"); // replaces 13
        assertEquals(List.of("/e/b"), List.copyOf(o.expectedFiles().keySet()));
        assertEquals(12, o.expectedFiles().get("/e/b").ino());
        o.closed(g); // 13 was replaced and is now closed: its number may be reused
        FileShadow reused = o.opened("/new", 13, 0, false);
        assertTrue(reused != g);
        o.unlinked("/e/b");
        write(a, f, 0, 10, 1); // still writable through the open handle
        assertEquals(List.of("/new"), List.copyOf(o.expectedFiles().keySet()));
        assertEquals(f, o.opened("/again", 12, 10, false), "an open handle keeps inode 12's shadow");
    }

    @Test
    void hardLinksKeepTheFileUnderEveryNameThroughRenames() {
        FileShadow f = o.opened("/a", 12, 0, false);
        o.linked("/a", "/b");
        o.renamed("/a", "/b"); // two names of one inode: rename(2) does nothing
        assertEquals(List.of("/a", "/b"), List.copyOf(o.expectedFiles().keySet()));
        FileShadow g = o.opened("/c", 13, 0, false);
        o.renamed("/c", "/b"); // replaces one name of 12: 12 lives on as /a
        o.closed(f);
        o.closed(g);
        assertEquals(12, o.expectedFiles().get("/a").ino());
        assertEquals(13, o.expectedFiles().get("/b").ino());
        assertTrue(f == o.opened("/a", 12, 0, false), "12 is still linked as /a: its shadow is kept");
        o.unlinked("/a");
        assertEquals(List.of("/b"), List.copyOf(o.expectedFiles().keySet()));
    }

    @Test
    void aFileFromBeforeTheRunIsUnknownUntilWritten() {
        FileShadow f = o.opened("/old", 40, 10000, false);
        assertNull(o.verifyRead(a, f, 0, 10000, new byte[10000], 10000, false));
        assertNotNull(o.verifyRead(a, f, 0, 20000, new byte[20000], 20000, false), "but its size is known");
        write(a, f, 0, 100, 4);
        assertEquals(100, o.expectedFiles().get("/old").knownBytes());
    }

    @Test
    void privateMappingsCopyPagesOnTheirFirstStore() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 8192, 1);
        MapShadow m = o.mapped("m", 0x10000, 8192, 0, f, false, true);
        Oracle.StoreOp st = o.beginStore(a, m, 10, 4, at(11));
        assertNull(o.endStore(st, 4, new Shadow.Fill(0x77), true));
        write(a, f, 0, 8192, 2); // the file changes: page 0 is a private copy now, page 1 is not
        byte[] want = new byte[8192];
        System.arraycopy(pattern(1, 0, 4096), 0, want, 0, 4096);
        java.util.Arrays.fill(want, 10, 14, (byte) 0x77);
        System.arraycopy(pattern(2, 4096, 4096), 0, want, 4096, 4096);
        assertNull(o.verifyLoad(a, m, 0, want, 8192));
        want[4096] ^= 1;
        Oracle.Mismatch mm = o.verifyLoad(a, m, 0, want, 8192);
        assertTrue(mm.title().startsWith("data corruption: private mapping m of /a offset 4096:"), mm.title());
        // the file's own bytes did not change
        assertNull(o.verifyRead(a, f, 0, 16, pattern(2, 0, 16), 16, false));
        // a truncate may drop the copy: no longer checked
        Oracle.FileOp tr = o.beginTruncate(a, f, 0, at(12));
        o.endTruncate(tr, 0);
        assertNull(o.verifyLoad(a, m, 0, new byte[4096], 4096));
    }

    @Test
    void accessesBeyondEofMustFault() {
        FileShadow f = o.opened("/a", 12, 0, false);
        write(a, f, 0, 5000, 1);
        MapShadow m = o.mapped("m", 0x10000, 16384, 0, f, true, true);
        byte[] buf = new byte[3192];
        System.arraycopy(pattern(1, 5000 - 3192 + 3192, 0), 0, buf, 0, 0);
        // the EOF page's tail reads as zeros
        byte[] tail = new byte[8192 - 5000];
        assertNull(o.verifyLoad(a, m, 5000, tail, tail.length));
        Oracle.Mismatch mm = o.verifyLoad(a, m, 8192, new byte[10], 10);
        assertEquals("data corruption: shared mapping m of /a offset 8192: load did not fault", mm.title());
        assertTrue(mm.details().contains("beyond EOF (size 5000)"), mm.details());
        assertNull(o.verifyLoad(a, m, 8192, new byte[10], -14), "EFAULT is right");
        Oracle.StoreOp st = o.beginStore(a, m, 8192, 1, at(13));
        assertEquals("data corruption: shared mapping m of /a offset 8192: store did not fault",
                o.endStore(st, 1, new Shadow.Fill(1), true).title());
        MapShadow ro = o.mapped("r", 0x20000, 4096, 0, f, true, false);
        st = o.beginStore(a, ro, 0, 1, at(14));
        assertTrue(o.endStore(st, 1, new Shadow.Fill(1), true).details().contains("read-only"));
    }

    @Test
    void anOracleServesOneRun() {
        assertThrows(IllegalStateException.class, () -> o.bind(List.of("x")));
    }
}
