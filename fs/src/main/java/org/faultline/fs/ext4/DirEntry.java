package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DirEntryDescriptor.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One decoded {@code ext4_dir_entry_2} (layout in {@link DirEntryDescriptor}), plus the block-level
 * helpers that read, check and edit entries in a directory block.
 *
 * @param ino      the inode number ({@code inode}); never 0 for an entry handed out by readdir
 * @param name     the raw name bytes
 * @param fileType {@code EXT4_FT_*}
 */
public record DirEntry(long ino, byte[] name, int fileType) {

    /** @return the name decoded as UTF-8 (malformed bytes replaced) */
    public String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry d && d.ino == ino && d.fileType == fileType && Arrays.equals(d.name, name);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(ino) * 31 + Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return nameString() + "(" + ino + ", type " + fileType + ")";
    }

    // ---------------------------------------------------------------- block helpers

    /** @return {@code inode} of the entry at {@code off} */
    public static long inodeAt(byte[] b, int off) {
        return LittleEndian.u32(b, off + INODE);
    }

    /** @return {@code rec_len} of the entry at {@code off} */
    public static int recLenAt(byte[] b, int off) {
        return LittleEndian.u16(b, off + REC_LEN);
    }

    /** @return {@code name_len} of the entry at {@code off} */
    public static int nameLenAt(byte[] b, int off) {
        return LittleEndian.u8(b, off + NAME_LEN);
    }

    /** @return {@code file_type} of the entry at {@code off} */
    public static int fileTypeAt(byte[] b, int off) {
        return LittleEndian.u8(b, off + FILE_TYPE);
    }

    /** @return a copy of the name of the entry at {@code off} */
    public static byte[] nameAt(byte[] b, int off) {
        return Arrays.copyOfRange(b, off + NAME, off + NAME + nameLenAt(b, off));
    }

    /** @return whether the entry at {@code off} has exactly the name {@code name} */
    public static boolean nameEquals(byte[] b, int off, byte[] name) {
        int n = nameLenAt(b, off);
        return n == name.length && Arrays.equals(b, off + NAME, off + NAME + n, name, 0, n);
    }

    /** Writes a whole entry header and name at {@code off}. */
    public static void put(byte[] b, int off, long ino, int recLen, byte[] name, int fileType) {
        LittleEndian.putU32(b, off + INODE, ino);
        LittleEndian.putU16(b, off + REC_LEN, recLen);
        LittleEndian.putU8(b, off + NAME_LEN, name.length);
        LittleEndian.putU8(b, off + FILE_TYPE, fileType);
        System.arraycopy(name, 0, b, off + NAME, name.length);
        int end = off + recLen(name.length);
        Arrays.fill(b, off + NAME + name.length, Math.min(end, off + recLen), (byte) 0);
    }

    /** Sets {@code rec_len} of the entry at {@code off}. */
    public static void setRecLen(byte[] b, int off, int recLen) {
        LittleEndian.putU16(b, off + REC_LEN, recLen);
    }

    /** Sets {@code inode} and {@code file_type} of the entry at {@code off}. */
    public static void setInode(byte[] b, int off, long ino, int fileType) {
        LittleEndian.putU32(b, off + INODE, ino);
        LittleEndian.putU8(b, off + FILE_TYPE, fileType);
    }

    /**
     * Checks the entry at {@code off} as {@code ext4_check_dir_entry} does.
     *
     * @param b           the block
     * @param off         entry offset
     * @param inodesCount {@code s_inodes_count}
     * @return null if fine, else what is wrong (e.g. {@code "rec_len is smaller than minimal"})
     */
    public static String check(byte[] b, int off, long inodesCount) {
        return check(b, off, b.length, inodesCount);
    }

    /** {@link #check(byte[], int, long)} for a block whose entries end at {@code end} (before a checksum tail). */
    public static String check(byte[] b, int off, int end, long inodesCount) {
        if (off + NAME > end) {
            return "directory entry overrun";
        }
        int rl = recLenAt(b, off);
        int nl = nameLenAt(b, off);
        if (rl < recLen(1)) {
            return "rec_len is smaller than minimal";
        }
        if ((rl & 3) != 0) {
            return "rec_len % 4 != 0";
        }
        if (rl < recLen(nl)) {
            return "rec_len is too small for name_len";
        }
        if (off + rl > end) {
            return "directory entry overrun";
        }
        if (inodeAt(b, off) > inodesCount) {
            return "inode out of bounds";
        }
        return null;
    }

    /**
     * Makes {@code b} an empty directory block: one unused entry spanning it.
     */
    public static void initEmptyBlock(byte[] b) {
        Arrays.fill(b, (byte) 0);
        setRecLen(b, 0, b.length);
    }
}
