package org.faultline.fs;

import java.util.List;
import org.faultline.kernel.Patch;
import org.faultline.kernel.PatchProvider;

/** The patches that act in the VFS's direct I/O ({@code fs/direct-io.c}, block and iomap alike). */
public enum FsPatch implements Patch {
    DIO_USES_PINS(Def.merged("dio-uses-pins",
            "direct I/O takes user pages with pin_user_pages (FOLL_PIN) and unpins them at completion",
            Ref.series("v6.3-v6.5", "block, iomap and fs/direct-io take user pages through iov_iter_extract_pages"),
            "fs/direct-io.c", "6.5").requires("gup-pin-tracking"));

    private final Def def;

    FsPatch(Def def) {
        this.def = def;
    }

    @Override
    public Def def() {
        return def;
    }

    /** Registers this layer's patches ({@code META-INF/services}). */
    public static final class Provider implements PatchProvider {
        @Override
        public List<Patch> patches() {
            return List.of(values());
        }
    }
}
