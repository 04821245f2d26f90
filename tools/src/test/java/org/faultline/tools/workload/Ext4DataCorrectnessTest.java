package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.faultline.tools.fuzz.HostChecks;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.fs.ext4.Ext4Volume;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ordinary operations whose data the emulated ext4 once lost, each checked three ways: through the
 * kernel's own reads (the oracle), on the unmounted image read by Faultline, and on the image
 * loop-mounted read-only by the host kernel. Each workload ran a few schedules.
 */
class Ext4DataCorrectnessTest {
    private static final long[] SEEDS = {1, 2, 3};
    private static final Path SCRATCH = Path.of("target", "workload-tests", "host-mounts");
    /** Why the host kernel cannot read the images here (null: it can; then every case is checked by it too). */
    private static final String HOST = HostChecks.probeLoopMount(SCRATCH);

    /** Runs {@code text} on a fresh image for each seed and checks all three readers. */
    private static void holds(String name, String text) throws Exception {
        for (long seed : SEEDS) {
            Ext4Boot.Outcome out = Ext4Boot.run(name + "-" + seed, text, seed, 2048);
            assertTrue(out.result().ok(), out::why);
            assertEquals(0, out.runner().umountResult(), "umount");
            assertEquals(List.of(), out.oracle().verifyImage(out.image()), "Faultline reading the image, seed " + seed);
            if (HOST == null) {
                assertEquals(List.of(), HostChecks.compareMounted(out.image(), out.oracle().expectedFiles(), SCRATCH),
                        "the host kernel reading the image, seed " + seed);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3072, 512, 1024 + 512})
    void directWriteAtSectorAlignmentOverExistingData(int off) throws Exception {
        holds("dio-overwrite-" + off, """
                task t
                  open f /a create rdwr
                  write f 0 16k seed=1
                  fsync f
                  open d /a rdwr direct
                  write d %d 8k seed=2
                  read f 0 16k
                  drop-caches
                  read f 0 16k
                """.formatted(off));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1024 2k", "0 512", "3584 1k", "8192+512 7k"})
    void directWriteIntoNewBlocksZeroesTheRestOfThem(String where) throws Exception {
        holds("dio-new-" + where.replace(' ', '_').replace('+', '_'), """
                task t
                  open o /old create rdwr
                  write o 0 256k byte=0xee
                  fsync o
                  close o
                  unlink /old
                  sync
                  open d /new create rdwr direct
                  write d %s seed=3
                  read d 0 16k
                  drop-caches
                  open f /new rdonly
                  read f 0 16k
                """.formatted(where));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1024 8k", "512 512", "3584 5k"})
    void directReadOfAHoleTouchesNothingElse(String where) throws Exception {
        holds("dio-hole-read-" + where.replace(' ', '_'), """
                task t
                  open f /a create rdwr
                  truncate f 64k
                  mmap m f 0 64k shared rw
                  store m 32k 4k seed=1
                  msync m
                  munmap m
                  open d /a rdonly direct
                  read d %s
                  read f 0 64k
                  fsync f
                  drop-caches
                  read f 0 64k
                """.formatted(where));
    }

    @ParameterizedTest
    @ValueSource(strings = {"punch", "zero-range", "zero-range keep-size"})
    void partialBlockPunchAndZeroReachTheDisk(String mode) throws Exception {
        holds("partial-" + mode.replace(' ', '_'), """
                task t
                  open f /a create rdwr
                  write f 0 24k seed=1
                  fsync f
                  fallocate f 100 200 %1$s
                  fallocate f 5000 10000 %1$s
                  fallocate f 20k+7 3k %1$s
                  fsync f
                  drop-caches
                  read f 0 24k
                """.formatted(mode));
    }

    /**
     * A zero-range reaching past EOF frees the blocks it covers whole; the partial-block zeroing must
     * not leave a dirty page on one of those freed blocks, whose writeback would then overwrite
     * another file's data (found by the differential campaign).
     */
    @org.junit.jupiter.api.Test
    void zeroRangeBeyondEofLeavesOtherFilesAlone() throws Exception {
        holds("zero-range-past-eof", """
                task t
                  open a /a create rdwr
                  open ad /a rdwr direct
                  open b /b create rdwr
                  write b 120758 14498 seed=41
                  write a 33130 5321 seed=42
                  read ad 33792 8192
                  fallocate a 451 7767 keep-size
                  fallocate a 14044 28590 zero-range
                  fallocate a 40000 10000 punch
                """);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "keep-size"})
    void bufferedWritesIntoPreallocatedBlocksReadZeroesAround(String mode) throws Exception {
        holds("prealloc-buffered-" + (mode.isEmpty() ? "size" : mode), """
                task t
                  open o /old create rdwr
                  write o 0 256k byte=0xee
                  fsync o
                  close o
                  unlink /old
                  sync
                  open f /a create rdwr
                  fallocate f 0 64k %s
                  write f 100 10 seed=5
                  write f 70k 100 seed=6
                  read f 0 72k
                  fsync f
                  drop-caches
                  read f 0 72k
                """.formatted(mode));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8k 4k", "0 64k", "16k+512 1k"})
    void directWritesIntoPreallocatedBlocksAreKept(String where) throws Exception {
        holds("prealloc-dio-" + where.replace(' ', '_').replace('+', '_'), """
                task t
                  open f /a create rdwr
                  fallocate f 0 64k
                  open d /a rdwr direct
                  write d %s seed=6
                  read f 0 64k
                  drop-caches
                  read f 0 64k
                """.formatted(where));
    }

    /**
     * A direct write past EOF that runs out of space part-way gives back the blocks it allocated
     * past the new i_size (ext4_truncate_failed_write): the image stays consistent.
     */
    @org.junit.jupiter.api.Test
    void aDirectWriteStoppedByEnospcLeavesNoBlocksPastEof() throws Exception {
        Ext4Boot.Outcome out = Ext4Boot.run("dio-enospc", """
                task t
                  open f /fill create rdwr
                  expect-error fallocate f 0 15M ENOSPC|ok
                  truncate f 10M
                  fsync f
                  open d /d create rdwr direct
                  expect-error write d 1515520 8M zero ENOSPC|ok
                """, 1, 4096);
        assertTrue(out.result().ok(), out::why);
        org.faultline.images.ext4.Fsck.Report r = org.faultline.images.ext4.Fsck.checkImage(out.image());
        assertEquals(List.of(), r.problems(), "fsck after a direct write stopped by ENOSPC");
    }

    /**
     * ext4 keeps {@code s_resv_clusters} (2% of the blocks, at most 4096) from ordinary
     * allocations: a file filling the filesystem stops with that many blocks still free.
     */
    @org.junit.jupiter.api.Test
    void aFillingWriteStopsAtTheReservedClusters() throws Exception {
        Ext4Boot.Outcome out = Ext4Boot.run("enospc-fill", """
                task t
                  open f /fill create rdwr
                  loop 1100
                    expect-error write f $i*16k 16k seed=1 ENOSPC|ok
                  end
                  expect-error fsync f ENOSPC|ok
                """, 1, 4096);
        assertTrue(out.result().ok(), out::why);
        try (Ext4Image v = Ext4Image.openImage(out.image(), Ext4Volume.Options.readOnlyMode())) {
            long resv = Math.min(v.superBlock().blocksCount() / 50, 4096);
            Assumptions.assumeTrue(resv > 0);
            assertEquals(resv, v.freeBlocks(), "free blocks left by a filling write");
        }
    }
}
