package org.faultline.kernel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * The registry of every {@link Patch} of the layers on the class path, sorted by id: lookup by id and
 * the check of a set's requirements and conflicts.
 */
public final class Patches {
    private Patches() {
    }

    private static final class Holder { // loaded once, on first use (class initialisation is thread-safe)
        static final List<Patch> ALL = load();
        /** Configuration that is not a patch, by name, with where to set it instead (from the providers). */
        static final java.util.Map<String, String> NOT_PATCHES = configuration();

        private static java.util.Map<String, String> configuration() {
            java.util.Map<String, String> all = new java.util.TreeMap<>();
            for (PatchProvider p : ServiceLoader.load(PatchProvider.class, Patches.class.getClassLoader())) {
                all.putAll(p.configuration());
            }
            return java.util.Collections.unmodifiableMap(all);
        }

        private static List<Patch> load() {
            List<Patch> all = new ArrayList<>();
            for (PatchProvider p : ServiceLoader.load(PatchProvider.class, Patches.class.getClassLoader())) {
                all.addAll(p.patches());
            }
            all.sort(Comparator.comparing(Patch::id));
            for (int i = 1; i < all.size(); i++) {
                if (all.get(i).id().equals(all.get(i - 1).id())) {
                    throw new IllegalStateException("patch id declared twice: " + all.get(i).id());
                }
            }
            return List.copyOf(all);
        }
    }

    /** Every patch, sorted by id. */
    public static List<Patch> all() {
        return Holder.ALL;
    }

    /**
     * The patch with user-facing id {@code id}.
     *
     * @throws IllegalArgumentException one line: configuration given as a patch says where it goes,
     *                                  an unknown id lists the known ones
     */
    public static Patch byId(String id) {
        String want = id.toLowerCase(Locale.ROOT);
        for (Patch p : all()) {
            if (p.id().equals(want)) {
                return p;
            }
        }
        String instead = Holder.NOT_PATCHES.get(want);
        if (instead != null) {
            throw new IllegalArgumentException("'" + id + "' is configuration, not a patch: use " + instead);
        }
        StringBuilder known = new StringBuilder();
        for (Patch p : all()) {
            known.append(known.length() == 0 ? "" : ", ").append(p.id());
        }
        throw new IllegalArgumentException("unknown patch '" + id + "' (known: " + known + ")");
    }

    /**
     * Refuses an impossible set: a patch whose requirement is missing, or two that conflict.
     *
     * @throws IllegalArgumentException naming the first problem and how to mend it
     */
    public static void check(Collection<Patch> set) {
        List<Patch> sorted = new ArrayList<>(set);
        sorted.sort(Comparator.comparing(Patch::id));
        for (Patch p : sorted) {
            for (String r : p.requires()) {
                if (sorted.stream().noneMatch(q -> q.id().equals(r))) {
                    throw new IllegalArgumentException("patch " + p.id() + " requires " + r + " (add +" + r
                            + ", or remove -" + p.id() + ")");
                }
            }
            for (String c : p.conflicts()) {
                if (sorted.stream().anyMatch(q -> q.id().equals(c))) {
                    throw new IllegalArgumentException("patches " + p.id() + " and " + c + " change the same code "
                            + "two ways; keep one (-" + c + " or -" + p.id() + ")");
                }
            }
        }
    }
}
