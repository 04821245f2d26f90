package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.InodeDescriptor.EXT4_GOOD_OLD_INODE_SIZE;

import java.io.IOException;
import java.util.Arrays;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * Extended attributes on disk (fs/ext4/xattr.c, xattr.h): the in-inode area after {@code i_extra_isize}
 * (a 4-byte {@code struct ext4_xattr_ibody_header} holding {@code EXT4_XATTR_MAGIC}, then the entries,
 * values packed from the end of the inode, value offsets relative to the first entry) and the external
 * block {@code i_file_acl} (a 32-byte {@code struct ext4_xattr_header}: magic, {@code h_refcount},
 * {@code h_blocks} = 1, {@code h_hash}, {@code h_checksum}; entries sorted by name index, name length and
 * name; values packed from the end of the block, offsets from the block start). Each entry is
 * {@code struct ext4_xattr_entry}: 16 bytes and the name, padded to 4 bytes ({@code EXT4_XATTR_LEN});
 * a value is padded to 4 bytes ({@code EXT4_XATTR_SIZE}); a 4-byte zero word ends the entries.
 *
 * <p>A value goes where {@code ext4_xattr_set_handle} puts it: in the inode if it fits, else in the
 * block; a block shared with other inodes ({@code h_refcount > 1}) is copied before it is changed and
 * its count dropped, a block left empty is released. Block entries carry {@code ext4_xattr_hash_entry},
 * the header {@code ext4_xattr_rehash}'s hash and, with {@code metadata_csum},
 * {@code ext4_xattr_block_csum}. The calls here are the on-disk half, by inode number, under the
 * caller's filesystem lock and journal handle (see {@link Ext4Volume}); errors are {@link Ext4Exception}s
 * with the kernel's errno ({@code ENODATA}, {@code EEXIST}, {@code ERANGE}, {@code ENOSPC}; corruption
 * {@code EUCLEAN}, a bad block checksum {@code EBADMSG}).
 *
 * <p>Deviations: no {@code ea_inode} (values in inodes of their own: the feature is refused at mount);
 * no mbcache, so a block made here is never shared with an identical one (blocks the host kernel shared
 * are honoured: reference-counted, copied on change); an in-inode area without the magic is zeroed
 * before its first entry is written (the kernel zeroes the whole inode when it creates one, so such an
 * area is zero already); no quota (the block is counted in {@code i_blocks} as {@code dquot_alloc_block}
 * does).
 */
@KernelSource("fs/ext4/xattr.c")
public final class Ext4Xattr {
    /** setxattr(2) flag: fail with EEXIST if the attribute exists. */
    public static final int XATTR_CREATE = 1;
    /** setxattr(2) flag: fail with ENODATA if the attribute does not exist. */
    public static final int XATTR_REPLACE = 2;

    public static final int EXT4_XATTR_INDEX_USER = 1;
    public static final int EXT4_XATTR_INDEX_POSIX_ACL_ACCESS = 2;
    public static final int EXT4_XATTR_INDEX_POSIX_ACL_DEFAULT = 3;
    public static final int EXT4_XATTR_INDEX_TRUSTED = 4;
    public static final int EXT4_XATTR_INDEX_SECURITY = 6;

    /** {@code EXT4_XATTR_MAGIC}. */
    public static final long EXT4_XATTR_MAGIC = 0xEA020000L;
    /** {@code EXT4_XATTR_REFCOUNT_MAX}. */
    public static final int EXT4_XATTR_REFCOUNT_MAX = 1024;
    /** {@code EXT4_XATTR_SIZE_MAX}. */
    static final long EXT4_XATTR_SIZE_MAX = 1L << 24;

    /** {@code struct ext4_xattr_header}. */
    static final int H_MAGIC = 0;
    static final int H_REFCOUNT = 4;
    static final int H_BLOCKS = 8;
    static final int H_HASH = 12;
    static final int H_CHECKSUM = 16;
    static final int HEADER_SIZE = 32;
    /** {@code struct ext4_xattr_ibody_header}. */
    static final int IHEADER_SIZE = 4;
    /** {@code struct ext4_xattr_entry}. */
    static final int E_NAME_LEN = 0;
    static final int E_NAME_INDEX = 1;
    static final int E_VALUE_OFFS = 2;
    static final int E_VALUE_INUM = 4;
    static final int E_VALUE_SIZE = 8;
    static final int E_HASH = 12;
    static final int E_NAME = 16;

    private final Ext4Volume v;

    Ext4Xattr(Ext4Volume v) {
        this.v = v;
    }

    /** {@code EXT4_XATTR_LEN}: an entry with a name of {@code nameLen} bytes, padded to 4. */
    static int xattrLen(int nameLen) {
        return (nameLen + 3 + E_NAME) & ~3;
    }

    /** {@code EXT4_XATTR_SIZE}: a value's size padded to 4. */
    static int xattrSize(long size) {
        return (int) ((size + 3) & ~3L);
    }

    /** {@code IS_LAST_ENTRY}. */
    private static boolean isLast(byte[] b, int e) {
        return LittleEndian.u32(b, e) == 0;
    }

    /** {@code EXT4_XATTR_NEXT}. */
    private static int next(byte[] b, int e) {
        return e + xattrLen(LittleEndian.u8(b, e + E_NAME_LEN));
    }

    /** {@code struct ext4_xattr_info}: what to set; a null value removes. */
    private static final class Info {
        final int nameIndex;
        final byte[] name;
        byte[] value;

        Info(int nameIndex, byte[] name, byte[] value) {
            this.nameIndex = nameIndex;
            this.name = name;
            this.value = value;
        }
    }

    /**
     * {@code struct ext4_xattr_search}: positions in {@code buf} (the raw inode or a block image) of the
     * base values are offset from, the first entry, the entry found (or where to insert) and the end.
     * {@code buf} null: the inode has no room for in-inode attributes.
     */
    private static final class Search {
        byte[] buf;
        int base;
        int first;
        int here;
        int end;
        boolean notFound = true;

        Search copy() {
            Search s = new Search();
            s.buf = buf;
            s.base = base;
            s.first = first;
            s.here = here;
            s.end = end;
            s.notFound = notFound;
            return s;
        }
    }

    /** {@code struct ext4_xattr_block_find}: the search and the block it is in (0: none). */
    private static final class BlockFind {
        final Search s = new Search();
        long block;
    }

    // ================================================================ checks and lookup

    /**
     * {@code check_xattrs}: the header of a block ({@code block} &gt; 0: magic, {@code h_blocks}, checksum)
     * or of the in-inode area, every entry inside {@code end}, every value inside it and clear of the names.
     */
    private void checkXattrs(long ino, byte[] b, int first, int end, int valueStart, long block) throws Ext4Exception {
        String what = block > 0 ? "corrupted xattr block " + block : "corrupted in-inode xattr";
        if (block > 0) {
            if (LittleEndian.u32(b, H_MAGIC) != EXT4_XATTR_MAGIC || LittleEndian.u32(b, H_BLOCKS) != 1) {
                throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": invalid header");
            }
            if (!v.csum.xattrBlockCsumValid(block, b)) {
                throw Ext4Exception.badCrc(v.dev, "inode #" + ino + ": " + what + ": invalid checksum");
            }
        } else if (LittleEndian.u32(b, first - IHEADER_SIZE) != EXT4_XATTR_MAGIC) {
            throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": bad magic number in in-inode xattr");
        }
        int e = first;
        while (e + 4 <= end && !isLast(b, e)) {
            int n = next(b, e);
            if (n >= end) {
                throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": e_name out of bounds");
            }
            for (int k = 0; k < LittleEndian.u8(b, e + E_NAME_LEN); k++) {
                if (b[e + E_NAME + k] == 0) {
                    throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": bad e_name length");
                }
            }
            e = n;
        }
        if (e + 4 > end) {
            throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": e_name out of bounds");
        }
        int last = e;
        for (e = first; !isLast(b, e); e = next(b, e)) {
            long size = LittleEndian.u32(b, e + E_VALUE_SIZE);
            if (LittleEndian.u32(b, e + E_VALUE_INUM) != 0) {
                throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what
                        + ": ea_inode specified without ea_inode feature enabled");
            }
            if (size > EXT4_XATTR_SIZE_MAX) {
                throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": e_value size too large");
            }
            if (size != 0) {
                int offs = LittleEndian.u16(b, e + E_VALUE_OFFS);
                if (offs > end - valueStart) {
                    throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": e_value out of bounds");
                }
                int value = valueStart + offs;
                if (value < last + 4 || size > end - value || xattrSize(size) > end - value) {
                    throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": " + what + ": overlapping e_value");
                }
            }
        }
    }

    /**
     * {@code xattr_find_entry}: moves {@code s.here} to the entry named so, or (sorted) to the first entry
     * after it, or (unsorted) to the end; sets {@code s.notFound}.
     */
    private void xattrFindEntry(long ino, Search s, int nameIndex, byte[] name, boolean sorted) throws Ext4Exception {
        byte[] b = s.buf;
        int cmp = 1;
        int e = s.here;
        for (; !isLast(b, e); e = next(b, e)) {
            if (next(b, e) >= s.end) {
                throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": corrupted xattr entries");
            }
            cmp = nameIndex - LittleEndian.u8(b, e + E_NAME_INDEX);
            if (cmp == 0) {
                cmp = name.length - LittleEndian.u8(b, e + E_NAME_LEN);
            }
            if (cmp == 0) {
                cmp = Arrays.compareUnsigned(name, 0, name.length, b, e + E_NAME, e + E_NAME + name.length);
            }
            if (cmp <= 0 && (sorted || cmp == 0)) {
                break;
            }
        }
        s.here = e;
        s.notFound = cmp != 0;
    }

    /** {@code EXT4_INODE_HAS_XATTR_SPACE}. */
    private static boolean hasXattrSpace(Ext4InodeRaw in) {
        int extra = in.extraIsize();
        return extra != 0 && EXT4_GOOD_OLD_INODE_SIZE + extra + IHEADER_SIZE + 3 < in.inodeSize();
    }

    /** {@code IHDR}: the in-inode header's offset. */
    private static int ihdr(Ext4InodeRaw in) {
        return EXT4_GOOD_OLD_INODE_SIZE + in.extraIsize();
    }

    /** {@code ext4_test_inode_state(EXT4_STATE_XATTR)}: set at iget when the in-inode magic is there. */
    private static boolean hasIbodyXattrs(Ext4InodeRaw in) {
        return hasXattrSpace(in) && LittleEndian.u32(in.raw(), ihdr(in)) == EXT4_XATTR_MAGIC;
    }

    /** {@code ext4_xattr_ibody_find}: the search over {@code in}'s own bytes (edits go to them). */
    private Search ext4XattrIbodyFind(long ino, Ext4InodeRaw in, Info i) throws Ext4Exception {
        Search s = new Search();
        if (!hasXattrSpace(in)) {
            return s;
        }
        s.buf = in.raw();
        s.base = s.first = s.here = ihdr(in) + IHEADER_SIZE;
        s.end = in.inodeSize();
        if (hasIbodyXattrs(in)) {
            checkXattrs(ino, s.buf, s.first, s.end, s.first, 0);
            xattrFindEntry(ino, s, i.nameIndex, i.name, false);
        } else {
            Arrays.fill(s.buf, ihdr(in), s.end, (byte) 0); // deviation: see the class comment
        }
        return s;
    }

    /** Reads and checks the xattr block of {@code in} ({@code ext4_sb_bread} + {@code ext4_xattr_check_block}). */
    private byte[] readBlock(long ino, long block) throws IOException {
        if (block <= v.sb.firstDataBlock() || block >= v.sb.blocksCount()) {
            throw Ext4Exception.corrupt(v.dev, "inode #" + ino + ": extended attribute block " + block
                    + " outside the device");
        }
        return v.cache.getVerified(block, b -> checkXattrs(ino, b, HEADER_SIZE, b.length, 0, block));
    }

    /** {@code ext4_xattr_block_find}: the search in the cached block itself (in-place edits go to it). */
    private BlockFind ext4XattrBlockFind(long ino, Ext4InodeRaw in, Info i) throws IOException {
        BlockFind bs = new BlockFind();
        long block = in.fileAcl();
        if (block != 0) {
            bs.block = block;
            Search s = bs.s;
            s.buf = readBlock(ino, block);
            s.base = 0;
            s.first = s.here = HEADER_SIZE;
            s.end = s.buf.length;
            xattrFindEntry(ino, s, i.nameIndex, i.name, true);
        }
        return bs;
    }

    // ================================================================ get and list

    /**
     * {@code ext4_xattr_get}: the value of attribute {@code name} of index {@code nameIndex} copied into
     * {@code buffer} (null: only its size), the in-inode area searched first, then the block.
     *
     * @return the value's size
     * @throws IOException ENODATA (absent), ERANGE (a name over 255 bytes, a buffer too small), corruption
     */
    public int ext4XattrGet(long ino, int nameIndex, byte[] name, byte[] buffer) throws IOException {
        v.begin(false);
        if (name.length > 255) {
            throw new Ext4Exception(Errno.ERANGE, v.dev + ": xattr name longer than 255 bytes");
        }
        Ext4InodeRaw in = v.inodes().heldInode(ino);
        Info i = new Info(nameIndex, name, null);
        Search s = new Search();
        if (hasIbodyXattrs(in)) {
            s = ext4XattrIbodyFind(ino, in, i);
        }
        if (s.notFound) {
            s = ext4XattrBlockFind(ino, in, i).s;
        }
        if (s.notFound) {
            throw new Ext4Exception(Errno.ENODATA, v.dev + ": inode #" + ino + ": " + Errno.text(Errno.ENODATA));
        }
        int size = (int) LittleEndian.u32(s.buf, s.here + E_VALUE_SIZE);
        if (buffer != null) {
            if (size > buffer.length) {
                throw new Ext4Exception(Errno.ERANGE, v.dev + ": inode #" + ino + ": xattr value of " + size
                        + " bytes does not fit in " + buffer.length);
            }
            if (size > 0) {
                System.arraycopy(s.buf, s.base + LittleEndian.u16(s.buf, s.here + E_VALUE_OFFS), buffer, 0, size);
            }
        }
        return size;
    }

    /** The prefix an attribute of index {@code nameIndex} is listed with, or null (not listed). */
    @FunctionalInterface
    public interface Prefixes {
        String prefix(int nameIndex);
    }

    /**
     * {@code ext4_listxattr}: the names of the in-inode attributes, then the block's, each as its
     * handler's prefix, the name and a NUL, into {@code buffer} (null: only the size). Attributes whose
     * handler does not list them ({@code prefixes} null) are left out.
     *
     * @return the size of the list
     * @throws IOException ERANGE (the buffer is too small), corruption
     */
    public int ext4Listxattr(long ino, byte[] buffer, Prefixes prefixes) throws IOException {
        v.begin(false);
        Ext4InodeRaw in = v.inodes().heldInode(ino);
        int[] at = {0};
        if (hasIbodyXattrs(in)) {
            int first = ihdr(in) + IHEADER_SIZE;
            checkXattrs(ino, in.raw(), first, in.inodeSize(), first, 0);
            listEntries(in.raw(), first, buffer, at, prefixes);
        }
        if (in.fileAcl() != 0) {
            listEntries(readBlock(ino, in.fileAcl()), HEADER_SIZE, buffer, at, prefixes);
        }
        return at[0];
    }

    /** {@code ext4_xattr_list_entries}. */
    private void listEntries(byte[] b, int e, byte[] buffer, int[] at, Prefixes prefixes) throws Ext4Exception {
        for (; !isLast(b, e); e = next(b, e)) {
            String prefix = prefixes.prefix(LittleEndian.u8(b, e + E_NAME_INDEX));
            if (prefix == null) {
                continue;
            }
            byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int len = LittleEndian.u8(b, e + E_NAME_LEN);
            int size = p.length + len + 1;
            if (buffer != null) {
                if (at[0] + size > buffer.length) {
                    throw new Ext4Exception(Errno.ERANGE, v.dev + ": xattr list does not fit in " + buffer.length + " bytes");
                }
                System.arraycopy(p, 0, buffer, at[0], p.length);
                System.arraycopy(b, e + E_NAME, buffer, at[0] + p.length, len);
                buffer[at[0] + p.length + len] = 0;
            }
            at[0] += size;
        }
    }

    // ================================================================ set

    /**
     * {@code ext4_xattr_set_handle}: creates, replaces ({@code value} non-null) or removes ({@code value}
     * null) attribute {@code name} of index {@code nameIndex}; {@code i_ctime} becomes {@code nowNs}. A
     * value equal to the present one changes nothing. {@code flags}: {@link #XATTR_CREATE},
     * {@link #XATTR_REPLACE}.
     *
     * @return whether the inode changed (false: the same value again, or removing an absent one without
     *         XATTR_REPLACE)
     * @throws IOException ERANGE (name over 255 bytes), ENODATA (REPLACE or removal of an absent one),
     *                     EEXIST (CREATE of a present one), ENOSPC (neither the inode nor a block has
     *                     room, or no free block), EROFS, corruption
     */
    public boolean ext4XattrSetHandle(long ino, int nameIndex, byte[] name, byte[] value, int flags, long nowNs)
            throws IOException {
        v.begin(true);
        if (name.length > 255) {
            throw new Ext4Exception(Errno.ERANGE, v.dev + ": xattr name longer than 255 bytes");
        }
        Ext4InodeRaw in = v.inodes().heldInode(ino);
        Info i = new Info(nameIndex, name, value);
        Search is = ext4XattrIbodyFind(ino, in, i);
        BlockFind bs = new BlockFind();
        if (is.notFound) {
            bs = ext4XattrBlockFind(ino, in, i);
        }
        if (is.notFound && bs.s.notFound) {
            if ((flags & XATTR_REPLACE) != 0) {
                throw new Ext4Exception(Errno.ENODATA, v.dev + ": inode #" + ino + ": " + Errno.text(Errno.ENODATA));
            }
            if (value == null) {
                return false;
            }
        } else if ((flags & XATTR_CREATE) != 0) {
            throw new Ext4Exception(Errno.EEXIST, v.dev + ": inode #" + ino + ": " + Errno.text(Errno.EEXIST));
        }
        if (value == null) {
            if (!is.notFound) {
                ext4XattrIbodySet(in, i, is);
            } else {
                ext4XattrBlockSet(ino, in, i, bs);
            }
        } else {
            if (!is.notFound && valueSame(is, i) || !bs.s.notFound && valueSame(bs.s, i)) {
                return false;
            }
            boolean inInode;
            try {
                ext4XattrIbodySet(in, i, is);
                inInode = true;
            } catch (Ext4Exception e) {
                if (e.errno() != Errno.ENOSPC) {
                    throw e;
                }
                inInode = false;
            }
            if (inInode && !bs.s.notFound) {
                i.value = null;
                ext4XattrBlockSet(ino, in, i, bs);
            } else if (!inInode) {
                if (in.fileAcl() != 0 && bs.s.buf == null) {
                    bs = ext4XattrBlockFind(ino, in, i);
                }
                ext4XattrBlockSet(ino, in, i, bs);
                if (!is.notFound) {
                    i.value = null;
                    ext4XattrIbodySet(in, i, is);
                }
            }
        }
        ext4XattrUpdateSuperBlock();
        in.setCtime(Math.floorDiv(nowNs, 1_000_000_000L) & 0xFFFFFFFFL);
        v.inodes().writeInode(ino, in);
        return true;
    }

    /** {@code ext4_xattr_value_same}. */
    private static boolean valueSame(Search s, Info i) {
        byte[] b = s.buf;
        if (LittleEndian.u32(b, s.here + E_VALUE_SIZE) != i.value.length) {
            return false;
        }
        int off = s.base + LittleEndian.u16(b, s.here + E_VALUE_OFFS);
        return i.value.length == 0 || Arrays.equals(b, off, off + i.value.length, i.value, 0, i.value.length);
    }

    /** {@code ext4_xattr_update_super_block}: the {@code ext_attr} compat feature, once. */
    private void ext4XattrUpdateSuperBlock() {
        if (!v.sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_EXT_ATTR)) {
            v.sb.setCompat(Ext4Features.EXT4_FEATURE_COMPAT_EXT_ATTR);
            v.backupsStale = true;
        }
    }

    /** {@code ext4_xattr_ibody_set}: the entry set in the inode's area; the magic follows whether any is left. */
    private void ext4XattrIbodySet(Ext4InodeRaw in, Info i, Search s) throws Ext4Exception {
        if (!hasXattrSpace(in)) {
            throw new Ext4Exception(Errno.ENOSPC, v.dev + ": no room for in-inode xattrs");
        }
        ext4XattrSetEntry(i, s, false);
        LittleEndian.putU32(in.raw(), ihdr(in), isLast(s.buf, s.first) ? 0 : EXT4_XATTR_MAGIC);
    }

    /**
     * {@code ext4_xattr_set_entry}: removes, inserts or replaces the entry at {@code s.here} and its value,
     * checking the room first (ENOSPC before any change); block entries get their hash and the header
     * its rehash.
     */
    private void ext4XattrSetEntry(Info i, Search s, boolean isBlock) throws Ext4Exception {
        byte[] b = s.buf;
        int here = s.here;
        int minOffs = s.end - s.base;
        int nameLen = i.name.length;
        int oldSize = !s.notFound ? xattrSize(LittleEndian.u32(b, here + E_VALUE_SIZE)) : 0;
        int newSize = i.value != null ? xattrSize(i.value.length) : 0;

        if (newSize != 0 && newSize == oldSize) { // same padded size: overwrite in place
            int val = s.base + LittleEndian.u16(b, here + E_VALUE_OFFS);
            LittleEndian.putU32(b, here + E_VALUE_SIZE, i.value.length);
            System.arraycopy(i.value, 0, b, val, i.value.length);
            Arrays.fill(b, val + i.value.length, val + newSize, (byte) 0);
            updateHash(i, s, isBlock, newSize);
            return;
        }
        int last = s.first;
        for (; !isLast(b, last); last = next(b, last)) {
            if (next(b, last) >= s.end) {
                throw Ext4Exception.corrupt(v.dev, "corrupted xattr entries");
            }
            if (LittleEndian.u32(b, last + E_VALUE_SIZE) != 0) {
                minOffs = Math.min(minOffs, LittleEndian.u16(b, last + E_VALUE_OFFS));
            }
        }
        if (i.value != null) {
            int free = minOffs - (last - s.base) - 4;
            if (!s.notFound) {
                free += xattrLen(nameLen) + oldSize;
            }
            if (free < xattrLen(nameLen) + newSize) {
                throw new Ext4Exception(Errno.ENOSPC, v.dev + ": no room for the xattr "
                        + (isBlock ? "in the block" : "in the inode"));
            }
        }
        // no failures past this point
        if (!s.notFound && LittleEndian.u32(b, here + E_VALUE_SIZE) != 0) { // remove the old value
            int firstVal = s.base + minOffs;
            int offs = LittleEndian.u16(b, here + E_VALUE_OFFS);
            int val = s.base + offs;
            System.arraycopy(b, firstVal, b, firstVal + oldSize, val - firstVal);
            Arrays.fill(b, firstVal, firstVal + oldSize, (byte) 0);
            minOffs += oldSize;
            for (int e = s.first; !isLast(b, e); e = next(b, e)) {
                int o = LittleEndian.u16(b, e + E_VALUE_OFFS);
                if (LittleEndian.u32(b, e + E_VALUE_SIZE) != 0 && o < offs) {
                    LittleEndian.putU16(b, e + E_VALUE_OFFS, o + oldSize);
                }
            }
        }
        if (i.value == null) { // remove the name
            int size = xattrLen(nameLen);
            last -= size;
            System.arraycopy(b, here + size, b, here, last - here + 4);
            Arrays.fill(b, last, last + size, (byte) 0);
        } else if (s.notFound) { // insert the name
            int size = xattrLen(nameLen);
            System.arraycopy(b, here, b, here + size, last - here + 4);
            Arrays.fill(b, here, here + size, (byte) 0);
            LittleEndian.putU8(b, here + E_NAME_INDEX, i.nameIndex);
            LittleEndian.putU8(b, here + E_NAME_LEN, nameLen);
            System.arraycopy(i.name, 0, b, here + E_NAME, nameLen);
        } else { // an update: reset the value
            LittleEndian.putU32(b, here + E_VALUE_INUM, 0);
            LittleEndian.putU16(b, here + E_VALUE_OFFS, 0);
            LittleEndian.putU32(b, here + E_VALUE_SIZE, 0);
        }
        if (i.value != null) {
            if (i.value.length != 0) {
                int val = s.base + minOffs - newSize;
                LittleEndian.putU16(b, here + E_VALUE_OFFS, minOffs - newSize);
                System.arraycopy(i.value, 0, b, val, i.value.length);
                Arrays.fill(b, val + i.value.length, val + newSize, (byte) 0);
            }
            LittleEndian.putU32(b, here + E_VALUE_SIZE, i.value.length);
        }
        updateHash(i, s, isBlock, newSize);
    }

    /** {@code ext4_xattr_set_entry}'s tail: the entry's hash (block entries only) and the block's rehash. */
    private static void updateHash(Info i, Search s, boolean isBlock, int newSize) {
        byte[] b = s.buf;
        if (i.value != null) {
            int hash = 0;
            if (isBlock) {
                int here = s.here;
                hash = ext4XattrHashEntry(b, here + E_NAME, LittleEndian.u8(b, here + E_NAME_LEN),
                        s.base + LittleEndian.u16(b, here + E_VALUE_OFFS), newSize >> 2);
            }
            LittleEndian.putU32(b, s.here + E_HASH, hash & 0xFFFFFFFFL);
        }
        if (isBlock) {
            ext4XattrRehash(b);
        }
    }

    /**
     * {@code ext4_xattr_block_set}: the entry set in the inode's block — in place if only this inode
     * holds it, else in a copy (the original's count dropped) or a new block; a block left with no entry
     * is released. {@code i_file_acl} and {@code i_blocks} of {@code in} follow.
     */
    private void ext4XattrBlockSet(long ino, Ext4InodeRaw in, Info i, BlockFind bs) throws IOException {
        Search s = bs.s.copy();
        boolean inPlace = false;
        if (s.buf != null) {
            if (LittleEndian.u32(s.buf, H_REFCOUNT) == 1) {
                ext4XattrSetEntry(i, s, true);
                v.csum.setXattrBlockCsum(bs.block, s.buf);
                v.cache.markDirty(bs.block);
                inPlace = true;
            } else { // shared: clone
                s.buf = s.buf.clone();
                LittleEndian.putU32(s.buf, H_REFCOUNT, 1);
                ext4XattrSetEntry(i, s, true);
            }
        } else {
            s.buf = new byte[v.bs];
            LittleEndian.putU32(s.buf, H_MAGIC, EXT4_XATTR_MAGIC);
            LittleEndian.putU32(s.buf, H_BLOCKS, 1);
            LittleEndian.putU32(s.buf, H_REFCOUNT, 1);
            s.base = 0;
            s.first = s.here = HEADER_SIZE;
            s.end = v.bs;
            ext4XattrSetEntry(i, s, true);
        }
        long newBlock = 0;
        if (!isLast(s.buf, s.first)) {
            if (inPlace) {
                newBlock = bs.block;
            } else {
                long goal = v.sb.groupFirstBlock(v.sb.groupOfInode(ino));
                newBlock = v.balloc.allocateOne(goal); // ext4_new_meta_blocks
                byte[] nb = v.cache.getNew(newBlock);
                System.arraycopy(s.buf, 0, nb, 0, v.bs);
                v.csum.setXattrBlockCsum(newBlock, nb);
                in.setBlocks512(in.blocks512() + v.bs / 512);
            }
        }
        in.setFileAcl(newBlock);
        if (bs.block != 0 && bs.block != newBlock) {
            ext4XattrReleaseBlock(in, bs.block, bs.s.buf);
        }
    }

    /**
     * {@code ext4_xattr_release_block}: drops the inode's reference to {@code block} — freed if it was the
     * last one, else its count lowered (checksum updated); {@code i_blocks} lowered either way.
     */
    private void ext4XattrReleaseBlock(Ext4InodeRaw in, long block, byte[] b) throws IOException {
        long ref = LittleEndian.u32(b, H_REFCOUNT);
        if (ref <= 1) {
            v.balloc.free(block, 1);
        } else {
            LittleEndian.putU32(b, H_REFCOUNT, ref - 1);
            v.csum.setXattrBlockCsum(block, b);
            v.cache.markDirty(block);
        }
        in.setBlocks512(Math.max(0, in.blocks512() - v.bs / 512));
    }

    /**
     * {@code ext4_xattr_delete_inode}'s block part, as {@code ext4_evict_inode} calls it: the inode's
     * reference to its xattr block dropped ({@link #ext4XattrReleaseBlock}), {@code i_file_acl} 0.
     */
    void ext4XattrDeleteInode(long ino, Ext4InodeRaw in) throws IOException {
        long block = in.fileAcl();
        if (block == 0) {
            return;
        }
        ext4XattrReleaseBlock(in, block, readBlock(ino, block));
        in.setFileAcl(0);
    }

    // ================================================================ hashes

    /**
     * {@code ext4_xattr_hash_entry}: the name's bytes (unsigned) rotated in 5 bits at a time, then the
     * value's {@code count} little-endian words 16 bits at a time.
     */
    static int ext4XattrHashEntry(byte[] b, int name, int nameLen, int value, int count) {
        int hash = 0;
        for (int k = 0; k < nameLen; k++) {
            hash = (hash << 5) ^ (hash >>> 27) ^ (b[name + k] & 0xFF);
        }
        for (int k = 0; k < count; k++) {
            hash = (hash << 16) ^ (hash >>> 16) ^ LittleEndian.i32(b, value + 4 * k);
        }
        return hash;
    }

    /** {@code ext4_xattr_rehash}: {@code h_hash} from the entries' hashes; 0 if one is 0 (never shared). */
    static void ext4XattrRehash(byte[] b) {
        int hash = 0;
        for (int e = HEADER_SIZE; !isLast(b, e); e = next(b, e)) {
            int h = LittleEndian.i32(b, e + E_HASH);
            if (h == 0) {
                hash = 0;
                break;
            }
            hash = (hash << 16) ^ (hash >>> 16) ^ h;
        }
        LittleEndian.putU32(b, H_HASH, hash & 0xFFFFFFFFL);
    }
}
