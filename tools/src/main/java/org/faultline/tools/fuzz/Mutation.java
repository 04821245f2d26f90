package org.faultline.tools.fuzz;

import java.util.Arrays;
import java.util.List;
import org.faultline.kernel.Prng;

/**
 * The classes of damage the image fuzzer does to an ext4 image, each a pure function of the image and
 * a seeded {@link Prng}: the same (base image, class, seed) always gives the same bytes. Each aims at
 * one structure the kernel validates (ext4_fill_super, ext4_check_descriptors, ext4_iget,
 * __ext4_ext_check, ext4_check_dir_entry, the bitmaps) or at the image as a whole.
 */
enum Mutation {
    SB_MAGIC("superblock magic") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int v = r.nextInt(0x10000);
            im.put16(Ext4Image.SB + 56, v == 0xEF53 ? 0 : v);
            return "s_magic := 0x" + Integer.toHexString(im.u16(Ext4Image.SB + 56));
        }
    },
    SB_GEOMETRY("superblock block size and group geometry") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int[] offs = {24, 32, 40, 20};
            String[] names = {"s_log_block_size", "s_blocks_per_group", "s_inodes_per_group", "s_first_data_block"};
            int i = r.nextInt(offs.length);
            long v = pick(r, 0, 1, 2, 3, 7, 31, 1024, 8191, 8193, 32768, 0xffffffffL, r.nextLong() & 0xffffffffL);
            im.put32(Ext4Image.SB + offs[i], v);
            return names[i] + " := " + v;
        }
    },
    SB_COUNTS("superblock block and inode counts") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int[] offs = {0, 4, 12, 16, 8};
            String[] names = {"s_inodes_count", "s_blocks_count", "s_free_blocks_count", "s_free_inodes_count",
                "s_r_blocks_count"};
            int i = r.nextInt(offs.length);
            long cur = im.u32(Ext4Image.SB + offs[i]) & 0xffffffffL;
            long v = pick(r, 0, 1, cur - 1, cur + 1, cur * 2, cur / 2, 0xffffffffL);
            im.put32(Ext4Image.SB + offs[i], v);
            return names[i] + " := " + v + " (was " + cur + ")";
        }
    },
    SB_INODE_SIZE("superblock inode size, first inode, revision") {
        @Override
        String apply(Ext4Image im, Prng r) {
            switch (r.nextInt(3)) {
                case 0: {
                    int v = (int) pick(r, 0, 64, 100, 127, 129, 1023, 4096, 8192, 65535);
                    im.put16(Ext4Image.SB + 88, v);
                    return "s_inode_size := " + v;
                }
                case 1: {
                    long v = pick(r, 0, 1, 2, 5, 10, 11000, 0xffffffffL);
                    im.put32(Ext4Image.SB + 84, v);
                    return "s_first_ino := " + v;
                }
                default: {
                    long v = pick(r, 0, 2, 7, 0xffffffffL);
                    im.put32(Ext4Image.SB + 76, v);
                    return "s_rev_level := " + v;
                }
            }
        }
    },
    SB_FEATURES("superblock feature flags") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int[] offs = {92, 96, 100};
            String[] names = {"s_feature_compat", "s_feature_incompat", "s_feature_ro_compat"};
            int i = r.nextInt(3);
            long cur = im.u32(Ext4Image.SB + offs[i]) & 0xffffffffL;
            long v = cur ^ (1L << r.nextInt(20));
            im.put32(Ext4Image.SB + offs[i], v);
            return names[i] + " := 0x" + Long.toHexString(v) + " (was 0x" + Long.toHexString(cur) + ")";
        }
    },
    SB_STATE("superblock state, errors behaviour, mount counts") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int v = r.nextInt(0x10000);
            int off = r.nextInt(2) == 0 ? 58 : 60;
            im.put16(Ext4Image.SB + off, v);
            return (off == 58 ? "s_state" : "s_errors") + " := " + v;
        }
    },
    GD_LOCATIONS("group descriptor bitmap and inode table locations") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int g = r.nextInt(im.groups);
            int f = r.nextInt(3);
            String[] names = {"bg_block_bitmap", "bg_inode_bitmap", "bg_inode_table"};
            long cur = im.u32(im.gd(g) + f * 4) & 0xffffffffL;
            long v = pick(r, 0, 1, 2, cur + 1, cur - 1, im.blocksCount - 1, im.blocksCount, im.blocksCount + 100,
                    0xffffffffL, im.inodeTable(0), im.blockBitmap(0));
            im.put32(im.gd(g) + f * 4, v);
            return "group " + g + " " + names[f] + " := " + v + " (was " + cur + ")";
        }
    },
    GD_COUNTS("group descriptor free and directory counts") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int g = r.nextInt(im.groups);
            int f = r.nextInt(4);
            String[] names = {"bg_free_blocks_count", "bg_free_inodes_count", "bg_used_dirs_count", "bg_flags"};
            int v = (int) pick(r, 0, 1, 0xffff, r.nextInt(0x10000), 7);
            im.put16(im.gd(g) + 12 + f * 2, v);
            return "group " + g + " " + names[f] + " := " + v;
        }
    },
    BITMAP_BITS("block or inode bitmap bits") {
        @Override
        String apply(Ext4Image im, Prng r) {
            boolean inode = r.nextInt(2) == 0;
            long blk = inode ? im.inodeBitmap(0) : im.blockBitmap(0);
            long base = blk * im.blockSize;
            if (base <= 0 || base + im.blockSize > im.b.length) {
                return null;
            }
            int n = 1 + r.nextInt(16);
            // favour the low (used) bits: clearing them frees blocks and inodes in use
            for (int i = 0; i < n; i++) {
                int bit = r.nextInt(2) == 0 ? r.nextInt(64) : r.nextInt(im.blockSize * 8);
                im.b[(int) (base + bit / 8)] ^= (byte) (1 << (bit % 8));
            }
            return n + " bits flipped in the " + (inode ? "inode" : "block") + " bitmap (block " + blk + ")";
        }
    },
    INODE_MODE("inode mode (file type)") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            int o = im.inode(ino);
            int v = (int) pick(r, 0, 0x81a4, 0x41ed, 0xa1ff, 0x1000, 0x2000, 0x6000, 0xc000, r.nextInt(0x10000));
            im.put16(o, v);
            return "inode " + ino + " i_mode := 0" + Integer.toOctalString(v);
        }
    },
    INODE_LINKS("inode link count") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            int o = im.inode(ino);
            int v = (int) pick(r, 0, 0, 1, 65000, 65535);
            im.put16(o + 26, v);
            return "inode " + ino + " i_links_count := " + v;
        }
    },
    INODE_SIZE("inode size") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            int o = im.inode(ino);
            long cur = im.u32(o + 4) & 0xffffffffL;
            long lo = pick(r, 0, 1, cur + 4096, cur * 100, 0xffffffffL, cur - 1);
            im.put32(o + 4, lo);
            long hi = r.nextInt(3) == 0 ? pick(r, 1, 0x7fffffffL, 0xffffffffL) : im.u32(o + 108) & 0xffffffffL;
            im.put32(o + 108, hi);
            return "inode " + ino + " i_size := " + ((hi << 32) | lo);
        }
    },
    INODE_FLAGS("inode flags and block count") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            int o = im.inode(ino);
            if (r.nextInt(2) == 0) {
                long cur = im.u32(o + 32) & 0xffffffffL;
                long v = cur ^ pick(r, Ext4Image.EXT4_EXTENTS_FL, 0x10000000L /* INLINE_DATA */, 0x1000 /* INDEX */,
                        0x10 /* IMMUTABLE */, 0x200000 /* EA_INODE */, 1L << r.nextInt(32));
                im.put32(o + 32, v);
                return "inode " + ino + " i_flags := 0x" + Long.toHexString(v);
            }
            long v = pick(r, 0, 1, 0xffffffffL);
            im.put32(o + 28, v);
            return "inode " + ino + " i_blocks_lo := " + v;
        }
    },
    EXTENT_HEADER("extent header (magic, entries, max, depth)") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            List<Integer> hs = im.headers(im.inode(ino));
            int h = hs.get(r.nextInt(hs.size()));
            int f = r.nextInt(4);
            String[] names = {"eh_magic", "eh_entries", "eh_max", "eh_depth"};
            int cur = im.u16(h + f * 2);
            int v = (int) pick(r, 0, 1, cur + 1, cur - 1, 5, 340, 341, 0xffff, 6, 32);
            im.put16(h + f * 2, v);
            return "inode " + ino + " extent header at " + h + " " + names[f] + " := " + v + " (was " + cur + ")";
        }
    },
    EXTENT_ENTRY("extent entries (logical block, length, physical start)") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            List<Integer> es = im.leafEntries(im.inode(ino));
            if (es.isEmpty()) {
                return null;
            }
            int e = es.get(r.nextInt(es.size()));
            switch (r.nextInt(4)) {
                case 0: {
                    long v = pick(r, 0, 1, 0xffffffffL, im.u32(e) + 1L, 0xfffffff0L);
                    im.put32(e, v);
                    return "inode " + ino + " extent at " + e + " ee_block := " + v;
                }
                case 1: {
                    int v = (int) pick(r, 0, 1, 0x7fff, 0x8000, 0x8001, 0xffff, 1000);
                    im.put16(e + 4, v);
                    return "inode " + ino + " extent at " + e + " ee_len := " + v;
                }
                default: {
                    long v = pick(r, 0, 1, 2, im.inodeTable(0), im.blockBitmap(0), im.blocksCount - 1,
                            im.blocksCount, im.blocksCount + 1000, 0xffffffffL);
                    im.put32(e + 8, v);
                    int hi = r.nextInt(4) == 0 ? 1 + r.nextInt(0xffff) : 0;
                    im.put16(e + 6, hi);
                    return "inode " + ino + " extent at " + e + " ee_start := " + (((long) hi << 32) | v);
                }
            }
        }
    },
    EXTENT_INDEX("extent index nodes (cycles, bad leaves)") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long ino = pickInode(im, r);
            int o = im.inode(ino);
            int h = Ext4Image.iBlock(o);
            if (im.u16(h) != Ext4Image.EXTENT_MAGIC) {
                return null;
            }
            if (im.u16(h + 6) == 0) {
                // make the root an index pointing at a block of our choice
                im.put16(h + 6, 1);
                long v = pick(r, 0, 1, im.inodeTable(0), im.blocksCount + 5);
                im.put32(h + 12 + 4, v);
                return "inode " + ino + " root becomes an index (depth 1) pointing at block " + v;
            }
            // point the first index entry at the root's own leaf block, or at a leaf whose first entry indexes itself
            long leaf = im.u32(h + 12 + 4) & 0xffffffffL;
            long off = leaf * im.blockSize;
            if (off > 0 && off + im.blockSize <= im.b.length && r.nextInt(2) == 0) {
                int lh = (int) off;
                im.put16(lh + 6, 1); // leaf claims depth 1 ...
                im.put32(lh + 12 + 4, leaf); // ... and indexes itself: a cycle
                return "inode " + ino + " extent leaf " + leaf + " made an index of itself (a cycle)";
            }
            long v = pick(r, 0, 1, 2, im.blocksCount, 0xffffffffL);
            im.put32(h + 12 + 4, v);
            return "inode " + ino + " first extent index := block " + v;
        }
    },
    DIRENT_RECLEN("directory entry rec_len and name_len") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int d = pickDirent(im, r);
            if (d < 0) {
                return null;
            }
            if (r.nextInt(2) == 0) {
                int v = (int) pick(r, 0, 1, 4, 7, 9, 12, 4095, 4096, 8192, 0xffff, im.u16(d + 4) + 4);
                im.put16(d + 4, v);
                return "dirent at " + d + " rec_len := " + v;
            }
            int v = (int) pick(r, 0, 255, im.u16(d + 4), (im.b[d + 6] & 0xff) + 1);
            im.b[d + 6] = (byte) v;
            return "dirent at " + d + " name_len := " + (v & 0xff);
        }
    },
    DIRENT_INODE("directory entry inode number and file type") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int d = pickDirent(im, r);
            if (d < 0) {
                return null;
            }
            if (r.nextInt(3) == 0) {
                int v = (int) pick(r, 0, 3, 7, 255, r.nextInt(256));
                im.b[d + 7] = (byte) v;
                return "dirent at " + d + " file_type := " + v;
            }
            long v = pick(r, 0, 1, 2, 3, 11, 12, 200, im.inodesPerGroup * (long) im.groups,
                    im.inodesPerGroup * (long) im.groups + 1, 0xffffffffL);
            im.put32(d, v);
            return "dirent at " + d + " inode := " + v;
        }
    },
    DIR_NAME_BYTES("directory entry name bytes") {
        @Override
        String apply(Ext4Image im, Prng r) {
            int d = pickDirent(im, r);
            if (d < 0) {
                return null;
            }
            int len = im.b[d + 6] & 0xff;
            byte v = (byte) pick(r, 0, '/', '.', 0xff, r.nextInt(256));
            im.b[d + 8 + r.nextInt(Math.max(1, len))] = v;
            return "dirent at " + d + " a name byte := 0x" + Integer.toHexString(v & 0xff);
        }
    },
    TRUNCATED("image truncated") {
        @Override
        String apply(Ext4Image im, Prng r) {
            throw new UnsupportedOperationException("changes the length: see mutate()");
        }
    },
    COMBINED("two to four damages of the other classes at once") {
        @Override
        String apply(Ext4Image im, Prng r) {
            Mutation[] all = values();
            int n = 2 + r.nextInt(3);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < n; k++) {
                Mutation m = all[r.nextInt(all.length)];
                if (m == TRUNCATED || m == COMBINED) {
                    continue;
                }
                String w;
                try {
                    w = m.apply(new Ext4Image(im.b), r); // re-read the layout: an earlier damage may have moved it
                } catch (RuntimeException e) {
                    w = null;
                }
                if (w != null) {
                    sb.append(sb.length() == 0 ? "" : "; ").append(m.name()).append(": ").append(w);
                }
            }
            return sb.length() == 0 ? null : sb.toString();
        }
    },
    METADATA_NOISE("random bytes over metadata blocks") {
        @Override
        String apply(Ext4Image im, Prng r) {
            long[] blocks = {0, im.firstDataBlock + 1, im.blockBitmap(0), im.inodeBitmap(0), im.inodeTable(0)};
            long blk = blocks[r.nextInt(blocks.length)];
            long base = blk * im.blockSize;
            if (base < 0 || base + im.blockSize > im.b.length) {
                return null;
            }
            int n = 1 + r.nextInt(32);
            for (int i = 0; i < n; i++) {
                im.b[(int) (base + r.nextInt(Math.min(im.blockSize, blk == 0 ? 2048 : im.blockSize)))] = (byte) r.nextInt(256);
            }
            return n + " random bytes in block " + blk;
        }
    };

    final String what;

    Mutation(String what) {
        this.what = what;
    }

    /** Damages {@code im} in place; a one-line description, or null if this class does not apply here. */
    abstract String apply(Ext4Image im, Prng r);

    /** A mutated copy of {@code base}, and what was done. */
    record Mutated(byte[] bytes, String what) {
    }

    /**
     * Mutates a copy of {@code base} with this class, deterministically from {@code seed}; a class that
     * does not apply to this image (no extent to damage) falls back to {@link #METADATA_NOISE}.
     */
    Mutated mutate(byte[] base, long seed) {
        Prng r = new Prng(seed);
        if (this == TRUNCATED) {
            int len = (int) pick(r, 0, 512, 1024, 2048, 4096, 8192, 4096 * 3, base.length / 2, base.length - 4096,
                    base.length - 1, r.nextLong(base.length));
            return new Mutated(Arrays.copyOf(base, len), "image truncated to " + len + " bytes of " + base.length);
        }
        byte[] b = base.clone();
        String w;
        try {
            w = apply(new Ext4Image(b), r);
        } catch (RuntimeException e) {
            w = null; // the base image lacks what this class damages
        }
        if (w == null) {
            b = base.clone();
            w = METADATA_NOISE.apply(new Ext4Image(b), r);
        }
        // a second, smaller damage now and then: real corruption is rarely one field
        return new Mutated(b, w);
    }

    static long pick(Prng r, long... vs) {
        return vs[r.nextInt(vs.length)];
    }

    static long pickInode(Ext4Image im, Prng r) {
        List<Long> used = im.usedInodes(64);
        if (used.isEmpty()) {
            return 2;
        }
        return used.get(r.nextInt(used.size()));
    }

    /** A directory entry in a directory of the image (root or another), or -1. */
    static int pickDirent(Ext4Image im, Prng r) {
        List<Long> dirs = im.usedInodes(64).stream().filter(i -> im.isDir(im.inode(i))).toList();
        if (dirs.isEmpty()) {
            return -1;
        }
        long ino = dirs.get(r.nextInt(dirs.size()));
        List<Long> blocks = im.dirBlocks(im.inode(ino));
        if (blocks.isEmpty()) {
            return -1;
        }
        List<Integer> ds = im.dirents(blocks.get(r.nextInt(blocks.size())));
        return ds.isEmpty() ? -1 : ds.get(r.nextInt(ds.size()));
    }
}
