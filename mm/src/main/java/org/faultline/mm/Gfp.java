package org.faultline.mm;

import org.faultline.kernel.Task;

/**
 * Allocation flags (include/linux/gfp.h, 4.x–5.x values for the bits modelled).
 */
public final class Gfp {
    private Gfp() {
    }

    public static final int __GFP_HIGH = 0x20;
    public static final int __GFP_IO = 0x40;
    public static final int __GFP_FS = 0x80;
    public static final int __GFP_ZERO = 0x100;
    public static final int __GFP_DIRECT_RECLAIM = 0x400;
    public static final int __GFP_KSWAPD_RECLAIM = 0x800;
    public static final int __GFP_NOFAIL = 0x8000;
    public static final int __GFP_NORETRY = 0x10000;
    public static final int __GFP_ACCOUNT = 0x400000;
    public static final int __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

    public static final int GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    public static final int GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
    public static final int GFP_NOIO = __GFP_RECLAIM;
    public static final int GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
    public static final int GFP_USER = GFP_KERNEL;
    public static final int GFP_HIGHUSER_MOVABLE = GFP_KERNEL;
    /** x86's user page-table allocation ({@code __userpte_alloc_gfp}): charged to the memcg. */
    public static final int GFP_PGTABLE_USER = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

    /** current_gfp_context(): a task in a NOFS/NOIO scope cannot recurse into the fs or I/O. */
    public static int currentGfpContext(int gfp) {
        Task t = Task.current();
        if (t != null && (t.flags() & Task.PF_MEMALLOC_NOFS) != 0) {
            gfp &= ~__GFP_FS;
        }
        return gfp;
    }

    /** gfpflags_allow_blocking(). */
    public static boolean allowBlocking(int gfp) {
        return (gfp & __GFP_DIRECT_RECLAIM) != 0;
    }

    /** A readable flag list for reports: {@code GFP_KERNEL|__GFP_ACCOUNT}. */
    public static String describe(int gfp) {
        StringBuilder sb = new StringBuilder();
        int rest = gfp;
        if ((rest & GFP_KERNEL) == GFP_KERNEL) {
            sb.append("GFP_KERNEL");
            rest &= ~GFP_KERNEL;
        } else if ((rest & GFP_NOFS) == GFP_NOFS) {
            sb.append("GFP_NOFS");
            rest &= ~GFP_NOFS;
        }
        String[] names = {"__GFP_HIGH", "__GFP_IO", "__GFP_FS", "__GFP_ZERO", "__GFP_DIRECT_RECLAIM",
                "__GFP_KSWAPD_RECLAIM", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_ACCOUNT"};
        int[] bits = {__GFP_HIGH, __GFP_IO, __GFP_FS, __GFP_ZERO, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM,
                __GFP_NOFAIL, __GFP_NORETRY, __GFP_ACCOUNT};
        for (int i = 0; i < bits.length; i++) {
            if ((rest & bits[i]) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
