package org.faultline.tools.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * Where things are in an ext4 image held in memory, read straight from the bytes (no checks: the
 * fuzzer reads a well-formed base image, then damages it). Revision-1 layout without 64bit: 32-byte
 * group descriptors after the superblock's block; the extent tree in {@code i_block}.
 */
final class Ext4Image {
    static final int SB = 1024;
    static final int EXT4_EXTENTS_FL = 0x80000;
    static final int EXTENT_MAGIC = 0xF30A;

    final byte[] b;
    final int blockSize;
    final long blocksCount;
    final int inodesPerGroup;
    final int blocksPerGroup;
    final int inodeSize;
    final int firstDataBlock;
    final int groups;

    Ext4Image(byte[] b) {
        this.b = b;
        blockSize = 1024 << Math.min(6, u32(SB + 24));
        blocksCount = u32(SB + 4) & 0xffffffffL;
        inodesPerGroup = u32(SB + 40);
        blocksPerGroup = u32(SB + 32);
        inodeSize = u16(SB + 88) == 0 ? 128 : u16(SB + 88);
        firstDataBlock = u32(SB + 20);
        groups = (int) Math.max(1, (blocksCount - firstDataBlock + blocksPerGroup - 1) / Math.max(1, blocksPerGroup));
    }

    int u16(int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    int u32(int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    void put16(int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    void put32(int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Byte offset of group {@code g}'s descriptor. */
    int gd(int g) {
        return (firstDataBlock + 1) * blockSize + g * 32;
    }

    long blockBitmap(int g) {
        return u32(gd(g)) & 0xffffffffL;
    }

    long inodeBitmap(int g) {
        return u32(gd(g) + 4) & 0xffffffffL;
    }

    long inodeTable(int g) {
        return u32(gd(g) + 8) & 0xffffffffL;
    }

    /** Byte offset of inode {@code ino}'s on-disk record, or -1 if outside the image. */
    int inode(long ino) {
        long g = (ino - 1) / inodesPerGroup;
        long idx = (ino - 1) % inodesPerGroup;
        long off = inodeTable((int) g) * blockSize + idx * inodeSize;
        return off < 0 || off + inodeSize > b.length ? -1 : (int) off;
    }

    int mode(int inodeOff) {
        return u16(inodeOff);
    }

    boolean isDir(int inodeOff) {
        return (mode(inodeOff) & 0xF000) == 0x4000;
    }

    boolean isReg(int inodeOff) {
        return (mode(inodeOff) & 0xF000) == 0x8000;
    }

    /** In-use inodes among the first {@code max}: mode set and links non-zero. */
    List<Long> usedInodes(int max) {
        List<Long> l = new ArrayList<>();
        for (long ino = 2; ino <= Math.min(max, inodesPerGroup); ino++) {
            int o = inode(ino);
            if (o >= 0 && mode(o) != 0 && u16(o + 26) != 0 && (ino == 2 || ino >= 11)) {
                l.add(ino);
            }
        }
        return l;
    }

    /** The offset of the extent header in i_block. */
    static int iBlock(int inodeOff) {
        return inodeOff + 40;
    }

    /** Byte offsets of every leaf extent entry reachable from inode {@code inodeOff} (depth ≤ 1 followed). */
    List<Integer> leafEntries(int inodeOff) {
        List<Integer> out = new ArrayList<>();
        collect(iBlock(inodeOff), 0, out);
        return out;
    }

    /** Byte offsets of extent headers of the inode's tree: the root, then index-referenced nodes. */
    List<Integer> headers(int inodeOff) {
        List<Integer> out = new ArrayList<>();
        int h = iBlock(inodeOff);
        out.add(h);
        if (u16(h) == EXTENT_MAGIC && u16(h + 6) > 0) {
            for (int i = 0; i < u16(h + 2) && i < 4; i++) {
                long leaf = u32(h + 12 + i * 12 + 4) & 0xffffffffL;
                long off = leaf * blockSize;
                if (off > 0 && off + blockSize <= b.length) {
                    out.add((int) off);
                }
            }
        }
        return out;
    }

    private void collect(int h, int level, List<Integer> out) {
        if (level > 2 || h < 0 || h + 12 > b.length || u16(h) != EXTENT_MAGIC) {
            return;
        }
        int entries = Math.min(u16(h + 2), (blockSize - 12) / 12);
        int depth = u16(h + 6);
        for (int i = 0; i < entries; i++) {
            int e = h + 12 + i * 12;
            if (e + 12 > b.length) {
                return;
            }
            if (depth == 0) {
                out.add(e);
            } else {
                long leaf = u32(e + 4) & 0xffffffffL;
                long off = leaf * blockSize;
                if (off > 0 && off + blockSize <= b.length) {
                    collect((int) off, level + 1, out);
                }
            }
        }
    }

    /** Physical blocks holding the data of a directory inode (its leaf extents, first 8 blocks each). */
    List<Long> dirBlocks(int inodeOff) {
        List<Long> l = new ArrayList<>();
        for (int e : leafEntries(inodeOff)) {
            int len = u16(e + 4) & 0x7fff;
            long start = ((long) u16(e + 6) << 32) | (u32(e + 8) & 0xffffffffL);
            for (int i = 0; i < Math.min(len, 8); i++) {
                if ((start + i + 1) * blockSize <= b.length) {
                    l.add(start + i);
                }
            }
        }
        return l;
    }

    /** Byte offsets of the directory entries in block {@code blk} (walking rec_len). */
    List<Integer> dirents(long blk) {
        List<Integer> l = new ArrayList<>();
        int base = (int) (blk * blockSize);
        int off = 0;
        while (off + 8 <= blockSize) {
            int rec = u16(base + off + 4);
            l.add(base + off);
            if (rec < 8) {
                break;
            }
            off += rec;
        }
        return l;
    }
}
