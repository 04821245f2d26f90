package org.faultline.fs.ext4;

import org.faultline.kernel.Patch;
import org.faultline.kernel.Patch.Def;
import org.faultline.kernel.Patch.Ref;
import org.faultline.kernel.PatchProvider;

/** The patches that act in ext4's writeback ({@code fs/ext4/inode.c}, {@code fs/ext4/page-io.c}). */
public final class Ext4Patch implements PatchProvider {
    public static final Patch EXT4_SUBMIT_BIO_ON_TRYLOCK_FAIL = Patch.of(Def.proposed("ext4-submit-bio-on-trylock-fail",
            "mpage_prepare_extent_to_map() submits the private io_bio before it sleeps on a page lock",
            Ref.thread("2018-10-30 Liu Bo", "[RFC] Ext4: fix deadlock on dirty pages between fault and writeback"),
            "fs/ext4/inode.c"));

    public static final Patch EXT4_BIO_PER_PAGE = Patch.of(Def.proposed("ext4-bio-per-page",
            "ext4_writepages() submits one bio per page (Jan Kara's first option)",
            Ref.thread("2018-11-01 Jan Kara", "[RFC] Ext4: fix deadlock on dirty pages between fault and writeback"),
            "fs/ext4/inode.c"));

    public static final Patch EXT4_WRITEPAGES_PLUG_CALLBACK = Patch.of(Def.proposed("ext4-writepages-plug-callback",
            "the private io_bio hangs on the task's plug (blk_check_plugged), submitted when the flusher sleeps",
            Ref.thread("2018-11-01 Jan Kara", "[RFC] Ext4: fix deadlock on dirty pages between fault and writeback"),
            "fs/ext4/page-io.c"));

    public static final Patch EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS = Patch.of(Def.merged("ext4-warn-not-bug-on-dirty-no-buffers",
            "writeback of a dirty page without buffers WARNs and cleans it instead of BUG",
            Ref.commit("cc5095747edf", "ext4: don't BUG if someone dirty pages without asking ext4 first"),
            "fs/ext4/inode.c", "6.4"));

    /**
     * xfstests generic/468 (CrashMonkey found the KEEP_SIZE case). The issue that asked for it named
     * 67a7d5f561f4, which is {@link #EXT4_FDATASYNC_AFTER_EXTENT_MANIPULATION}'s; this fix is
     * c894aa97577e (Eryu Guan: the ext4_update_inode_fsync_trans call in ext4_alloc_file_blocks, as
     * blame of fs/ext4/extents.c shows).
     */
    public static final Patch EXT4_FDATASYNC_AFTER_FALLOCATE = Patch.of(Def.merged("ext4-fdatasync-after-fallocate",
            "fallocate's new blocks and size are a data change: they set i_datasync_tid, so fdatasync commits them",
            Ref.commit("c894aa97577e", "ext4: fix fdatasync(2) after fallocate(2) operation"),
            "fs/ext4/extents.c", "4.15"));

    /** xfstests generic/392's punch-hole and zero-range cases: see {@link #EXT4_FDATASYNC_AFTER_FALLOCATE}. */
    public static final Patch EXT4_FDATASYNC_AFTER_EXTENT_MANIPULATION = Patch.of(Def.merged(
            "ext4-fdatasync-after-extent-manipulation",
            "punching a hole (and zeroing a range) is a data change: it sets i_datasync_tid, so fdatasync commits it",
            Ref.commit("67a7d5f561f4", "ext4: fix fdatasync(2) after extent manipulation operations"),
            "fs/ext4/inode.c", "4.15"));

    /**
     * Growing i_size exposed what a shared mapping had stored past the old EOF, unless writeback had
     * zeroed the EOF page's tail first (a race with the flusher). Merged for 6.13 with the mm half
     * ({@code MmPatch.ZERO_EOF_FOLIO_ON_SIZE_EXTENSION}); backported to 6.6.70 stable — the 6.6 profile
     * is 6.6.0. Faultline applies it where the kernel does: ext4_da_write_end, ext4_setattr's truncate
     * up and ext4_alloc_file_blocks (not direct I/O).
     */
    public static final Patch EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION = Patch.of(Def.merged("ext4-zero-eof-block-on-size-extension",
            "growing i_size (a write past EOF, truncate up, fallocate) zeroes the partial blocks around the old EOF first",
            Ref.commit("c7fc0366c656", "ext4: partial zero eof block on unaligned inode size extension"),
            "fs/ext4/inode.c", "6.13"));

    /**
     * Zero range and punch hole with blocks smaller than a page: the pages they cover only in part
     * stay mapped while blocks of them are freed or made unwritten; without a write-protect the next
     * store through a mapping does not fault, gets no block, and writeback drops it (6.6 loses such
     * stores). Faultline's {@code ext4_truncate_page_cache_block_range}. 6.15 (backported to 6.6.90).
     */
    public static final Patch EXT4_REMOVE_WRITABLE_MAPPINGS_BEFORE_TRUNCATE = Patch.of(Def.merged(
            "ext4-remove-writable-mappings-before-truncate",
            "zero range and punch hole write-protect the pages they cover in part (blocks smaller than a page) before dropping the cache",
            Ref.commit("17207d0bb209", "ext4: remove writable userspace mappings before truncating page cache"),
            "fs/ext4/inode.c", "6.15"));

    /**
     * ext4_punch_hole no longer writes the range's dirty pages back first (but with data=journal); in
     * 6.6 that writeback also zeroed, in memory, what a mapping had stored past EOF in the EOF page,
     * even for a hole beyond i_size. 6.15.
     */
    public static final Patch EXT4_PUNCH_HOLE_NO_WRITEBACK = Patch.of(Def.merged("ext4-punch-hole-no-writeback",
            "punch hole drops the range's pages without writing them back first (but with data=journal)",
            Ref.commit("43d0105e2c75", "ext4: don't write back data before punch hole in nojournal mode"),
            "fs/ext4/inode.c", "6.15").requires("ext4-remove-writable-mappings-before-truncate"));

    /** A provider instance, for {@link java.util.ServiceLoader}; the constants are what count. */
    public Ext4Patch() {
    }

    /** ext4's configuration: the buffered path through iomap is a mount option here. */
    @Override
    public java.util.Map<String, String> configuration() {
        return java.util.Map.of("iomap", "'set iomap on' in the workload (ext4 mounted -o iomap)");
    }
}
