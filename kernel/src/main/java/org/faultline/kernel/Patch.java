package org.faultline.kernel;

import java.util.List;

/**
 * A behaviour that changed upstream, or that a proposed fix would change. Kernel code asks
 * {@code k.has(X)} at the very place the upstream change touched, so a {@link KernelProfile} (an era)
 * plus {@code +id}/{@code -id} overrides selects the behaviour of a run.
 *
 * <p>Patches are declared where they act, as the constants of one class per layer
 * ({@code kernel/KernelPatch}, {@code mm/MmPatch}, {@code fs/FsPatch}, {@code fs/ext4/Ext4Patch},
 * {@code fs/iomap/IomapPatch}), each class a {@link PatchProvider} service, so that this layer names
 * none of the layers above it. {@link Patches} is the registry of every patch on the class path.
 *
 * <p>A merged patch belongs to every built-in profile from the release that merged it ({@link #since})
 * until the one that replaced it ({@link #until}); a proposal to none. {@link #requires} and {@link #conflicts} make an impossible set refused in one
 * line ({@link Patches#check}); {@link #overrides} says which patch's change another one rewrites.
 */
public final class Patch {
    private final Def def;

    private Patch(Def def) {
        this.def = def;
    }

    /** A patch of this declaration: a layer holds it as a {@code public static final} constant. */
    public static Patch of(Def def) {
        return new Patch(def);
    }

    /** The declaration. */
    public Def def() {
        return def;
    }

    @Override
    public String toString() {
        return def.id();
    }

    /** The user-facing id ({@code --patch +memcg-prealloc-pte}). */
    public String id() {
        return def().id();
    }

    /** One line: what changes. */
    public String title() {
        return def().title();
    }

    /** Where it comes from: the upstream commit, or the thread of a proposal. */
    public Ref ref() {
        return def().ref();
    }

    public Status status() {
        return def().ref().commit() != null || def().ref().series() != null ? Status.MERGED : Status.PROPOSED;
    }

    /** The kernel file or directory the change touched ({@code mm/filemap.c}, {@code fs/ext4}). */
    public String layer() {
        return def().layer();
    }

    /** The first release that has it (merged patches), else null. */
    public String since() {
        return def().since();
    }

    /** The release whose change replaced it (a behaviour of old kernels), else null. */
    public String until() {
        return def().until();
    }

    /** Ids of patches this one needs to mean anything. */
    public List<String> requires() {
        return def().requires();
    }

    /** Ids of patches that change the same code another way: never both. */
    public List<String> conflicts() {
        return def().conflicts();
    }

    /**
     * Ids of patches whose change this one rewrites at the same site: with both, only this one's
     * behaviour runs (a proposal written on top of a merged fix, say).
     */
    public List<String> overrides() {
        return def().overrides();
    }

    /** Whether and how a patch went upstream. */
    public enum Status { MERGED, PROPOSED }

    /**
     * A patch's declaration.
     *
     * @param since     first release with it (merged), else null
     * @param until     release that replaced it, else null
     * @param requires  ids it needs
     * @param conflicts ids it cannot be combined with
     * @param overrides ids whose change it rewrites at the same site
     */
    public record Def(String id, String title, Ref ref, String layer, String since, String until, List<String> requires,
               List<String> conflicts, List<String> overrides) {
        /** A merged change, in releases from {@code since} on. */
        public static Def merged(String id, String title, Ref ref, String layer, String since) {
            return new Def(id, title, ref, layer, since, null, List.of(), List.of(), List.of());
        }

        /** A proposal: in no release. */
        public static Def proposed(String id, String title, Ref ref, String layer) {
            return new Def(id, title, ref, layer, null, null, List.of(), List.of(), List.of());
        }

        public Def until(String release) {
            return new Def(id, title, ref, layer, since, release, requires, conflicts, overrides);
        }

        public Def requires(String... ids) {
            return new Def(id, title, ref, layer, since, until, List.of(ids), conflicts, overrides);
        }

        public Def conflicts(String... ids) {
            return new Def(id, title, ref, layer, since, until, requires, List.of(ids), overrides);
        }

        public Def overrides(String... ids) {
            return new Def(id, title, ref, layer, since, until, requires, conflicts, List.of(ids));
        }
    }

    /**
     * A normalised reference: a merged change is its commit (12 hex digits) and subject, or the
     * release series that made it; a proposal is its mailing-list thread (date and author of the
     * message, and the thread's subject).
     */
    public record Ref(String commit, String series, String thread, String subject) {
        public static Ref commit(String id, String subject) {
            return new Ref(id, null, null, subject);
        }

        public static Ref series(String releases, String subject) {
            return new Ref(null, releases, null, subject);
        }

        public static Ref thread(String dateAndAuthor, String subject) {
            return new Ref(null, null, dateAndAuthor, subject);
        }

        @Override
        public String toString() {
            if (commit != null) {
                return commit + " (\"" + subject + "\")";
            }
            return series != null ? series + " series: " + subject : thread + ", \"" + subject + "\"";
        }
    }
}
