package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

/**
 * Writeback errors reach fsync: file_write_and_wait_range reports through each open file's errseq
 * cursor (f_wb_err), filemap_fdatawait through the legacy AS_EIO/AS_ENOSPC flags.
 */
class FsyncErrorTest {
    private static final int EIO = -5;
    private static final int ENOSPC = -28;

    /** An "open file": its f_wb_err cursor, sampled now (errseq_sample at open). */
    static int[] open(TestFs.TestFile f) {
        return new int[] {f.mapping.wbErr().sample()};
    }

    static int fsync(TestFs.TestFile f, int[] file) {
        return Filemap.fileWriteAndWaitRange(f.mapping, file, 0, Long.MAX_VALUE);
    }

    static byte[] page(char c) {
        byte[] b = new byte[Page.PAGE_SIZE];
        Arrays.fill(b, (byte) c);
        return b;
    }

    @Test
    void fsyncAfterACompletionErrorReturnsEioOnceThenZero() {
        MmFixture fx = MmFixture.controlled(11, "5.10", 128);
        int[] ret = new int[3];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            int[] fd = open(file);
            f.fs.failNextWrites = 1;
            file.write(0, page('A'));
            ret[0] = fsync(file, fd);
            ret[1] = fsync(file, fd);
            file.write(0, page('B'));
            ret[2] = fsync(file, fd); // a new, successful writeback
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(EIO, ret[0]);
        assertEquals(0, ret[1], "the error is reported once per file");
        assertEquals(0, ret[2]);
    }

    @Test
    void everyFileOpenBeforeTheErrorSeesItOnceAndALaterOpenerDoesNot() {
        MmFixture fx = MmFixture.controlled(12, "5.10", 128);
        int[] ret = new int[4];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            int[] a = open(file);
            int[] b = open(file);
            f.fs.failNextWrites = 1;
            file.write(0, page('A'));
            ret[0] = fsync(file, a);
            int[] c = open(file); // opened after the error was seen
            ret[1] = fsync(file, b);
            ret[2] = fsync(file, b);
            ret[3] = fsync(file, c);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(EIO, ret[0], "a");
        assertEquals(EIO, ret[1], "b was open when writeback failed: it sees the error too");
        assertEquals(0, ret[2], "b sees it once");
        assertEquals(0, ret[3], "c opened after the error had been seen");
    }

    @Test
    void aFileOpenedAfterAnUnseenErrorStillSeesIt() {
        MmFixture fx = MmFixture.controlled(13, "5.10", 128);
        int[] ret = new int[2];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            f.fs.failNextWrites = 1;
            file.write(0, page('A'));
            Filemap.filemapFdatawrite(file.mapping);
            Filemap.filemapFdatawaitRangeKeepErrors(file.mapping, 0, Long.MAX_VALUE);
            int[] late = open(file); // the error happened, nobody has reported it yet
            ret[0] = fsync(file, late);
            ret[1] = fsync(file, late);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(EIO, ret[0]);
        assertEquals(0, ret[1]);
    }

    @Test
    void failedPageIsCleanErrorFlaggedAndItsDataNeverReachedTheDisk() {
        MmFixture fx = MmFixture.controlled(14, "5.10", 128);
        boolean[] st = new boolean[3];
        byte[][] disk = new byte[1][];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            f.fs.failNextWrites = 1;
            file.write(0, page('A'));
            Filemap.filemapFdatawrite(file.mapping);
            Filemap.filemapFdatawaitRangeKeepErrors(file.mapping, 0, Long.MAX_VALUE);
            Page p = Filemap.findGetPage(file.mapping, 0);
            st[0] = p.dirty();
            st[1] = p.writeback();
            st[2] = file.mapping.tagged(AddressSpace.PAGECACHE_TAG_WRITEBACK);
            f.mm.allocator().putPage(p);
            disk[0] = file.store.clone();
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertFalse(st[0], "writeback cleaned the page even though the write failed");
        assertFalse(st[1]);
        assertFalse(st[2]);
        assertEquals(0, disk[0].length, "nothing was stored");
    }

    @Test
    void filemapFdatawaitReportsAsEioOnceWithoutConsumingTheErrseq() {
        MmFixture fx = MmFixture.controlled(15, "5.10", 128);
        int[] ret = new int[4];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            int[] fd = open(file);
            f.fs.failNextWrites = 1;
            file.write(0, page('A'));
            ret[0] = Filemap.filemapFdatawrite(file.mapping);
            ret[1] = Filemap.filemapFdatawait(file.mapping);
            ret[2] = Filemap.filemapFdatawait(file.mapping);
            ret[3] = fsync(file, fd);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(0, ret[0], "submission succeeded; the error comes at completion");
        assertEquals(EIO, ret[1], "AS_EIO");
        assertEquals(0, ret[2], "filemap_check_errors test-and-clears it");
        assertEquals(EIO, ret[3], "the errseq is independent of the AS_ flags: the open file still sees it");
    }

    @Test
    void filemapCheckErrorsPrefersEioAndReportsEnospcAlone() {
        MmFixture fx = MmFixture.controlled(16, "5.10", 64);
        int[] ret = new int[4];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.mapping.mappingSetError(ENOSPC);
            ret[0] = file.mapping.filemapCheckErrors();
            ret[1] = file.mapping.filemapCheckErrors();
            file.mapping.mappingSetError(ENOSPC);
            file.mapping.mappingSetError(EIO);
            ret[2] = file.mapping.filemapCheckErrors();
            ret[3] = file.mapping.filemapCheckErrors();
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertArrayEquals(new int[] {ENOSPC, 0, EIO, 0}, ret, "both flags are cleared; EIO wins");
    }

    @Test
    void fsyncClearsTheLegacyFlagsToo() {
        MmFixture fx = MmFixture.controlled(17, "5.10", 128);
        int[] ret = new int[2];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            int[] fd = open(file);
            f.fs.failNextWrites = 1;
            file.write(0, page('A'));
            ret[0] = fsync(file, fd);
            ret[1] = Filemap.filemapFdatawait(file.mapping);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(EIO, ret[0]);
        assertEquals(0, ret[1], "file_check_and_advance_wb_err clears AS_EIO as the legacy path would have");
    }

    @Test
    void aSubmissionErrorSurfacesFromFsyncOnce() {
        MmFixture fx = MmFixture.controlled(18, "5.10", 128);
        int[] ret = new int[3];
        boolean[] st = new boolean[3];
        byte[][] disk = new byte[1][];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("a");
            int[] a = open(file);
            int[] b = open(file);
            f.fs.failNextSubmits = 1;
            file.write(0, page('A'));
            ret[0] = fsync(file, a);
            ret[1] = fsync(file, a);
            ret[2] = fsync(file, b);
            Page p = Filemap.findGetPage(file.mapping, 0);
            st[0] = p.writeback();
            st[1] = p.dirty();
            st[2] = p.testBit(Page.PG_ERROR);
            f.mm.allocator().putPage(p);
            disk[0] = file.store.clone();
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(EIO, ret[0], "writepage's -EIO is returned by fdatawrite");
        assertEquals(0, ret[1], "and reported once to that file");
        assertEquals(EIO, ret[2], "another file open at the time sees it as well");
        assertFalse(st[0], "no writeback was started");
        assertFalse(st[1]);
        assertTrue(st[2], "PG_error");
        assertEquals(0, disk[0].length);
    }
}
