package org.faultline.kernel;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A named kernel era: the set of {@link Patch}es that era had. {@code --kernel 4.20} picks one;
 * {@code --patch +id}/{@code -id} then adds or removes single patches ({@link #with}).
 *
 * <p>Only behaviour that Faultline models as switchable is listed; everything else is the same in
 * every profile.
 */
public final class KernelProfile {
    private final String name;
    private final Set<Patch> patches;
    private final boolean[] has; // by ordinal: k.has() runs on hot paths

    private KernelProfile(String name, Set<Patch> patches) {
        this.name = name;
        this.patches = Collections.unmodifiableSet(patches);
        this.has = new boolean[Patch.values().length];
        for (Patch p : patches) {
            has[p.ordinal()] = true;
        }
    }

    /** The built-in profiles, oldest first. */
    public static List<KernelProfile> builtIn() {
        EnumSet<Patch> v416 = EnumSet.of(Patch.PAGE_WAIT_RECHECK);
        EnumSet<Patch> v420 = EnumSet.copyOf(v416);
        EnumSet<Patch> v58 = EnumSet.of(Patch.PAGE_WAIT_RECHECK, Patch.MEMCG_PREALLOC_PTE, Patch.GUP_PIN_TRACKING);
        // 5.10 has 2a9127fcf229 (waiters no longer re-check) and 073861ed77b6, but not c2407cf7d22d.
        EnumSet<Patch> v510 = EnumSet.of(Patch.MEMCG_PREALLOC_PTE, Patch.GUP_PIN_TRACKING,
                Patch.END_PAGE_WRITEBACK_GET_PAGE);
        EnumSet<Patch> v66 = EnumSet.of(Patch.MEMCG_PREALLOC_PTE, Patch.GUP_PIN_TRACKING,
                Patch.END_PAGE_WRITEBACK_GET_PAGE, Patch.WAIT_ON_PAGE_WRITEBACK_LOOPS,
                Patch.IOMAP_KEEP_UPTODATE_ON_ERROR, Patch.VMSCAN_SKIP_PINNED_PRIVATE, Patch.DIO_USES_PINS,
                Patch.EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS);
        return List.of(new KernelProfile("4.16", v416), new KernelProfile("4.20", v420),
                new KernelProfile("5.8", v58), new KernelProfile("5.10", v510), new KernelProfile("6.6", v66));
    }

    /**
     * Looks a profile up by name.
     *
     * @throws IllegalArgumentException with a one-line message listing the known profiles
     */
    public static KernelProfile byName(String name) {
        StringBuilder known = new StringBuilder();
        for (KernelProfile p : builtIn()) {
            if (p.name.equals(name)) {
                return p;
            }
            known.append(known.length() == 0 ? "" : ", ").append(p.name);
        }
        throw new IllegalArgumentException("unknown kernel profile '" + name + "' (known: " + known + ")");
    }

    /**
     * This profile with patch overrides applied, each {@code +id} or {@code -id} (a bare id adds).
     *
     * @throws IllegalArgumentException for an unknown patch id
     */
    public KernelProfile with(List<String> overrides) {
        EnumSet<Patch> set = patches.isEmpty() ? EnumSet.noneOf(Patch.class) : EnumSet.copyOf(patches);
        StringBuilder label = new StringBuilder(name);
        for (String o : overrides) {
            boolean remove = o.startsWith("-");
            String id = o.startsWith("-") || o.startsWith("+") ? o.substring(1) : o;
            Patch p = Patch.byId(id);
            if (remove) {
                set.remove(p);
            } else {
                set.add(p);
            }
            label.append(' ').append(remove ? '-' : '+').append(p.id);
        }
        return new KernelProfile(label.toString(), set);
    }

    /** Profile name, with any overrides appended ({@code "4.20 +memcg-prealloc-pte"}). */
    public String name() {
        return name;
    }

    public boolean has(Patch p) {
        return has[p.ordinal()];
    }

    public Set<Patch> patches() {
        return patches;
    }

    /** The oldest built-in profile that has {@code p}, or null. */
    public static String firstWith(Patch p) {
        for (KernelProfile prof : builtIn()) {
            if (prof.has(p)) {
                return prof.name;
            }
        }
        return null;
    }
}
