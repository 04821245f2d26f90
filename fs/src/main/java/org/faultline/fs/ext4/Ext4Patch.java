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

    /** A provider instance, for {@link java.util.ServiceLoader}; the constants are what count. */
    public Ext4Patch() {
    }

    /** ext4's configuration: the buffered path through iomap is a mount option here. */
    @Override
    public java.util.Map<String, String> configuration() {
        return java.util.Map.of("iomap", "'set iomap on' in the workload (ext4 mounted -o iomap)");
    }
}
