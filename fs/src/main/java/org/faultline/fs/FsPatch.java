package org.faultline.fs;

import org.faultline.kernel.Patch;
import org.faultline.kernel.Patch.Def;
import org.faultline.kernel.Patch.Ref;
import org.faultline.kernel.PatchProvider;

/** The patches that act in the VFS's direct I/O ({@code fs/direct-io.c}, block and iomap alike). */
public final class FsPatch implements PatchProvider {
    public static final Patch DIO_USES_PINS = Patch.of(Def.merged("dio-uses-pins",
            "direct I/O takes user pages with pin_user_pages (FOLL_PIN) and unpins them at completion",
            Ref.series("v6.3-v6.5", "block, iomap and fs/direct-io take user pages through iov_iter_extract_pages"),
            "fs/direct-io.c", "6.5").requires("gup-pin-tracking"));

    /** A provider instance, for {@link java.util.ServiceLoader}; the constants are what count. */
    public FsPatch() {
    }
}
