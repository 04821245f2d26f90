package org.faultline.fs.iomap;

import org.faultline.kernel.Patch;
import org.faultline.kernel.Patch.Def;
import org.faultline.kernel.Patch.Ref;
import org.faultline.kernel.PatchProvider;

/** The patches that act in iomap's buffered I/O ({@code fs/iomap/buffered-io.c}). */
public final class IomapPatch implements PatchProvider {
    public static final Patch IOMAP_MKWRITE_EIO_ON_NOT_UPTODATE = Patch.of(Def.proposed("iomap-mkwrite-eio-on-not-uptodate",
            "page_mkwrite on a !Uptodate page fails (SIGBUS to the storing task) instead of the WARN",
            Ref.thread("2020-06-04 Matthew Wilcox", "[PATCH] iomap: Handle I/O errors gracefully in page_mkwrite"),
            "fs/iomap/buffered-io.c"));

    public static final Patch UNMAP_ON_WRITEBACK_ERROR = Patch.of(Def.proposed("unmap-on-writeback-error",
            "a writeback submission error unmaps the page (unmap_mapping_range)",
            Ref.thread("2020-06-05 Dave Chinner", "[PATCH] iomap: Handle I/O errors gracefully in page_mkwrite"),
            "fs/iomap/buffered-io.c"));

    public static final Patch IOMAP_KEEP_UPTODATE_ON_ERROR = Patch.of(Def.merged("iomap-keep-uptodate-on-error",
            "a writeback error leaves the page Uptodate",
            Ref.commit("e9c3a8e820ed", "iomap: don't invalidate folios after writeback errors"),
            "fs/iomap/buffered-io.c", "5.19"));

    /** A provider instance, for {@link java.util.ServiceLoader}; the constants are what count. */
    public IomapPatch() {
    }
}
