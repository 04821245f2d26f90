package org.faultline.kernel;

/**
 * A task's credentials, the part the filesystems read ({@code struct cred}, include/linux/cred.h:
 * {@code fsuid}, {@code fsgid}): who owns what a task creates ({@code inode_init_owner}) and who may
 * change an owner ({@code chown_ok}). A task without credentials is root's, as every task was before
 * tasks had them; a server standing for host processes ({@code faultline mount}) gives each call the
 * caller's. Deviation: no supplementary groups, no capabilities besides being uid 0.
 *
 * @param fsuid {@code current_fsuid()}
 * @param fsgid {@code current_fsgid()}
 */
public record Cred(int fsuid, int fsgid) {
    /** Root's credentials: what a task has until it is given others. */
    public static final Cred ROOT = new Cred(0, 0);

    /** current_cred(): the current task's credentials (root's if it was never given any, or outside a task). */
    public static Cred current() {
        Task t = Task.current();
        Cred c = t == null ? null : t.ext(Cred.class);
        return c == null ? ROOT : c;
    }

    /** The current task's credentials from now on (commit_creds). */
    public static void commit(Cred c) {
        Task t = Task.current();
        if (t != null && !c.equals(t.ext(Cred.class))) {
            t.setExt(Cred.class, c);
        }
    }

    /** capable(CAP_CHOWN), CAP_FOWNER...: uid 0. */
    public boolean capable() {
        return fsuid == 0;
    }
}
