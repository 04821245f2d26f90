package org.faultline.fs.ext4;

import java.nio.charset.StandardCharsets;
import org.faultline.fs.FsError;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * ext4's xattr handlers (fs/ext4/xattr_user.c, xattr_trusted.c, xattr_security.c, and the table
 * {@code ext4_xattr_handlers} / {@code ext4_xattr_handler_map} in xattr.c) and the VFS's
 * {@code xattr_resolve_name} over them: a full name's prefix picks the name index the entry is stored
 * under, the rest is the stored name. {@code user.} (index 1; the {@code user_xattr} mount option is on,
 * as ext4's default), {@code trusted.} (4; listed only for a task with CAP_SYS_ADMIN, as
 * {@code ext4_xattr_trusted_list}), {@code security.} (6; always listed).
 *
 * <p>Deviation: no POSIX ACLs — {@code system.posix_acl_access}/{@code _default} are EOPNOTSUPP and
 * stored ACL entries (indexes 2, 3, written by another kernel) are not listed, as on a mount with
 * {@code noacl}. Every other {@code system.} name and unknown prefixes are EOPNOTSUPP, as the kernel has
 * no handler for them; a known prefix with nothing after it is EINVAL.
 */
@KernelSource("fs/ext4/xattr_user.c")
public final class Ext4XattrHandlers {
    private Ext4XattrHandlers() {
    }

    /** A resolved name: the handler's index and the name stored on disk (without the prefix). */
    public record Resolved(int index, byte[] name) {
    }

    private static final String[] PREFIX = new String[8];

    static {
        PREFIX[Ext4Xattr.EXT4_XATTR_INDEX_USER] = "user.";
        PREFIX[Ext4Xattr.EXT4_XATTR_INDEX_TRUSTED] = "trusted.";
        PREFIX[Ext4Xattr.EXT4_XATTR_INDEX_SECURITY] = "security.";
    }

    /**
     * {@code xattr_resolve_name} over ext4's handlers.
     *
     * @throws FsError EOPNOTSUPP (no handler for the prefix), EINVAL (the prefix alone)
     */
    public static Resolved resolve(String full) {
        for (int idx = 0; idx < PREFIX.length; idx++) {
            String p = PREFIX[idx];
            if (p != null && full.startsWith(p)) {
                if (full.length() == p.length()) {
                    throw new FsError(Errno.EINVAL, "xattr name '" + full + "' has nothing after its prefix");
                }
                return new Resolved(idx, full.substring(p.length()).getBytes(StandardCharsets.UTF_8));
            }
        }
        throw new FsError(Errno.EOPNOTSUPP, "xattr name '" + full + "': " + Errno.text(Errno.EOPNOTSUPP));
    }

    /**
     * {@code ext4_xattr_prefix} with each handler's {@code ->list}: the prefix entries of index
     * {@code idx} are listed with, or null.
     *
     * @param capSysAdmin whether the listing task has CAP_SYS_ADMIN (trusted.* shown)
     */
    public static String listPrefix(int idx, boolean capSysAdmin) {
        if (idx == Ext4Xattr.EXT4_XATTR_INDEX_TRUSTED && !capSysAdmin) {
            return null;
        }
        return idx > 0 && idx < PREFIX.length ? PREFIX[idx] : null;
    }
}
