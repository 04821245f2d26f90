package org.faultline.kernel;

import org.faultline.kernel.Patch.Def;
import org.faultline.kernel.Patch.Ref;

/** The patches that act in this layer: the page bit-wait semantics of {@link BitWait}. */
public final class KernelPatch implements PatchProvider {
    /** wait_on_page_bit_common before v5.9, modelled in {@link BitWait}. */
    public static final Patch PAGE_WAIT_RECHECK = Patch.of(Def.merged("page-wait-recheck",
            "page waiters re-check the bit after waking and loop; the waker stops at a re-set bit (pre-5.9)",
            Ref.commit("2a9127fcf229", "mm: rewrite wait_on_page_bit_common() logic"), "mm/filemap.c", "2.6.12")
            .until("5.9"));

    /** A provider instance, for {@link java.util.ServiceLoader}; the constants are what count. */
    public KernelPatch() {
    }
}
