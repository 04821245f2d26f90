package org.faultline.kernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A named kernel era: the merged {@link Patch}es of the layers on the class path that a release had
 * ({@link Patch#since} ≤ release &lt; {@link Patch#until}). {@code --kernel 4.20} picks one;
 * {@code --patch +id}/{@code -id} then adds or removes single patches ({@link #with}), and the result
 * must be a possible set ({@link Patches#check}).
 *
 * <p>Only behaviour that Faultline models as switchable is listed; everything else is the same in
 * every profile. A release in which nothing Faultline models changed is an alias of the next one
 * that is a profile ({@code 4.16}: 4.20), so every profile differs from the one before it.
 */
public final class KernelProfile {
    /** The built-in profiles' releases, oldest first. */
    private static final List<String> RELEASES = List.of("4.20", "5.8", "5.10", "5.12", "5.14", "6.6", "6.13", "6.15");

    /** Releases that reports name and that equal a profile in everything modelled here. */
    private static final Map<String, String> ALIASES = Map.of("4.16", "4.20");

    private final String name;
    private final List<Patch> patches; // sorted by id
    private final Set<Patch> has; // lookup only: k.has() runs on hot paths

    private KernelProfile(String name, List<Patch> patches) {
        List<Patch> sorted = new ArrayList<>(patches);
        sorted.sort(Comparator.comparing(Patch::id));
        this.name = name;
        this.patches = List.copyOf(sorted);
        this.has = new HashSet<>(sorted);
    }

    /** The built-in profiles, oldest first. */
    public static List<KernelProfile> builtIn() {
        List<KernelProfile> out = new ArrayList<>();
        for (String r : RELEASES) {
            out.add(release(r, r));
        }
        return out;
    }

    /** The newest built-in profile: the nearest to today's kernel, which the host checks compare with. */
    public static KernelProfile newest() {
        String r = RELEASES.get(RELEASES.size() - 1);
        return release(r, r);
    }

    /** Release names that are aliases of a profile, and the profile each stands for. */
    public static Map<String, String> aliases() {
        return ALIASES;
    }

    private static KernelProfile release(String name, String release) {
        List<Patch> in = new ArrayList<>();
        for (Patch p : Patches.all()) {
            if (p.status() == Patch.Status.MERGED && p.since() != null && compare(p.since(), release) <= 0
                    && (p.until() == null || compare(release, p.until()) < 0)) {
                in.add(p);
            }
        }
        return new KernelProfile(name, in);
    }

    /** Compares two release numbers ("5.10" after "5.9"). */
    public static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int u = i < x.length ? Integer.parseInt(x[i]) : 0;
            int v = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (u != v) {
                return Integer.compare(u, v);
            }
        }
        return 0;
    }

    /**
     * Looks a profile up by name (a release of {@link #builtIn} or an alias).
     *
     * @throws IllegalArgumentException with a one-line message listing the known profiles
     */
    public static KernelProfile byName(String name) {
        if (RELEASES.contains(name)) {
            return release(name, name);
        }
        if (ALIASES.containsKey(name)) {
            return release(name, ALIASES.get(name));
        }
        throw new IllegalArgumentException("unknown kernel profile '" + name + "' (known: "
                + String.join(", ", RELEASES) + "; " + String.join(", ", new java.util.TreeSet<>(ALIASES.keySet()))
                + " as aliases)");
    }

    /**
     * This profile with patch overrides applied, each {@code +id} or {@code -id} (a bare id adds).
     *
     * @throws IllegalArgumentException for an unknown patch id or an impossible set
     */
    public KernelProfile with(List<String> overrides) {
        List<Patch> set = new ArrayList<>(patches);
        StringBuilder label = new StringBuilder(name);
        for (String o : overrides) {
            boolean remove = o.startsWith("-");
            String id = o.startsWith("-") || o.startsWith("+") ? o.substring(1) : o;
            Patch p = Patches.byId(id);
            set.remove(p);
            if (!remove) {
                set.add(p);
            }
            label.append(' ').append(remove ? '-' : '+').append(p.id());
        }
        Patches.check(set);
        return new KernelProfile(label.toString(), set);
    }

    /** Profile name, with any overrides appended ({@code "4.20 +memcg-prealloc-pte"}). */
    public String name() {
        return name;
    }

    public boolean has(Patch p) {
        return has.contains(p);
    }

    /** The patches, sorted by id. */
    public List<Patch> patches() {
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
