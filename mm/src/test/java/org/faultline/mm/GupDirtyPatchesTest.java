package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

/**
 * Bug 1's mm half: a GUP reference (direct I/O's) outlives the mapping; writeback cleans the page,
 * reclaim strips its buffers but cannot free it, and the I/O's completion dirties it with
 * set_page_dirty_lock — a dirty page without buffers, unless a proposed fix intervenes.
 */
class GupDirtyPatchesTest {
    /** The CONFIG_DEBUG_VM report of set_page_dirty_lock on the page writeback cleaned under the GUP. */
    static final String INVARIANT = "page dirtied without page_mkwrite since it was cleaned";

    /** [0] buffers after reclaim, [1] buffers after set_page_dirty_lock, [2] dirty at the end, [3] page_mkwrite calls. */
    static boolean[] run(String profile, int[] mkwrites) {
        return run(profile, mkwrites, false);
    }

    static boolean[] run(String profile, int[] mkwrites, boolean pin) {
        return run(profile, mkwrites, pin, !profile.contains("+set-page-dirty-lock-simulates-fault"));
    }

    /**
     * @param dirtiedBehindTheFsBack whether the run must end with the invariant violation (the page
     *                               dirtied without page_mkwrite since writeback cleaned it), or clean
     */
    static boolean[] run(String profile, int[] mkwrites, boolean pin, boolean dirtiedBehindTheFsBack) {
        List<String> parts = Arrays.asList(profile.split(" "));
        KernelProfile prof = KernelProfile.byName(parts.get(0)).with(parts.subList(1, parts.size()));
        MmFixture fx = new MmFixture(new RandomWalk(1), prof, Mm.Params.ofPages(96));
        boolean[] out = new boolean[3];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("file1");
            file.write(0, new byte[Page.PAGE_SIZE]);
            file.fsync();
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = file.mmapShared(as, Page.PAGE_SIZE);
            Page[] pages = new Page[1];
            assertEquals(1, pin ? Gup.pinUserPages(as, addr, 1, true, pages)   // FOLL_PIN (dio-uses-pins)
                    : Gup.getUserPagesFast(as, addr, 1, true, pages)); // faults in for write: page_mkwrite
            Mmap.doMunmap(as, addr);
            file.fsync();                                                    // writeback cleans it
            TestFs.TestFile other = f.fs.create("pressure");
            for (int i = 0; i < 400 && pages[0].hasPrivate(); i++) {
                other.write((long) i * Page.PAGE_SIZE, new byte[Page.PAGE_SIZE]);
                if (i % 8 == 7) {
                    other.fsync();
                }
            }
            out[0] = pages[0].hasPrivate();
            PageWriteback.setPageDirtyLock(pages[0]); // dio_bio_complete
            out[1] = pages[0].hasPrivate();
            out[2] = pages[0].dirty();
            if (pin) {
                Gup.unpinUserPage(pages[0]);
            } else {
                Gup.putPage(pages[0]);
            }
            mkwrites[0] = file.mkwrites;
        });
        if (dirtiedBehindTheFsBack) {
            assertEquals(Failure.Kind.INVARIANT, r.fatal() == null ? null : r.fatal().kind(), () -> String.valueOf(r.fatal()));
            assertTrue(r.fatal().title().startsWith(INVARIANT), r.fatal().title());
            assertTrue(r.fatal().report().contains(" set_page_dirty_lock "), r.fatal().report());
        } else {
            assertTrue(r.ok(), () -> r.fatal().report());
        }
        return out;
    }

    @Test
    void reclaimStripsBuffersOfAGupHeldPageAndDioCompletionDirtiesIt() {
        int[] mk = {0};
        boolean[] s = run("4.16", mk);
        assertFalse(s[0], "reclaim stripped the buffers but could not free the page");
        assertTrue(s[2] && !s[1], "set_page_dirty_lock made a dirty page without buffers");
        assertEquals(1, mk[0]);
    }

    @Test
    void simulatedFaultInSetPageDirtyLockReattachesBuffers() {
        int[] mk = {0};
        boolean[] s = run("4.16 +set-page-dirty-lock-simulates-fault", mk);
        assertFalse(s[0]);
        assertTrue(s[1] && s[2], "page_mkwrite ran before dirtying: buffers are back");
        assertEquals(2, mk[0]);
    }

    @Test
    void deferringBufferReleaseKeepsTheBuffers() {
        int[] mk = {0};
        boolean[] s = run("4.16 +defer-buffer-release-to-last-put", mk);
        assertTrue(s[0], "reclaim left the buffers of a page someone else still holds");
        assertTrue(s[1] && s[2]);
    }

    @Test
    void skipPinnedPrivateNeedsPinsAndKeepsTheBuffersOfPinnedPages() {
        int[] mk = {0};
        // 6.6 has vmscan-skip-pinned-private but get_user_pages takes no pin: the buffers still go
        assertFalse(run("6.6", mk)[0]);
        // with a FOLL_PIN reference reclaim never strips the buffers of a maybe-pinned page
        assertTrue(run("6.6", mk, true)[0], "a pinned page keeps its buffers under pressure");
        // and without the vmscan patch, a pin alone does not protect them
        assertFalse(run("6.6 -vmscan-skip-pinned-private", mk, true)[0]);
    }
}
