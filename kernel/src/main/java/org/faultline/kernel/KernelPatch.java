package org.faultline.kernel;

import java.util.List;

/** The patches that act in this layer: the page bit-wait semantics of {@link BitWait}. */
public enum KernelPatch implements Patch {
    /** wait_on_page_bit_common before v5.9, modelled in {@link BitWait}. */
    PAGE_WAIT_RECHECK(Def.merged("page-wait-recheck",
            "page waiters re-check the bit after waking and loop; the waker stops at a re-set bit (pre-5.9)",
            Ref.commit("2a9127fcf229", "mm: rewrite wait_on_page_bit_common() logic"), "mm/filemap.c", "2.6.12")
            .until("5.9"));

    private final Def def;

    KernelPatch(Def def) {
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
