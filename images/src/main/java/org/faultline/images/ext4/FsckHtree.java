package org.faultline.images.ext4;

import org.faultline.fs.ext4.LittleEndian;

import java.util.List;
import org.faultline.kernel.Crc32c;

/**
 * One indexed ({@code EXT4_INDEX_FL}) directory as e2fsck pass 2 checks it ({@code struct dx_dir_info}
 * and {@code dx_dirblock_info} of e2fsck/pass2.c): each directory block is the root (block 0), an
 * internal node (one empty entry spanning the block, then a count/limit header and index entries) or
 * a leaf (ordinary entries). {@link #parseIntNode} models {@code parse_int_node}: the limit and count,
 * index entries pointing inside the directory in hash order, each child referenced once and given the
 * hash range its parent promises. Leaves collect the hashes of their names ({@link #leafHash}), and
 * {@link #finish} models the end of {@code e2fsck_pass2}: {@code update_parents}, then every block's
 * min/max hash within its range, every leaf at the root's depth, every block referenced exactly once;
 * any finding ends with "Invalid HTREE directory inode N (...).  Clear HTree index? no".
 *
 * <p>The root info ({@code struct dx_root_info} at byte 24 of block 0) is also checked as pass 1's
 * {@code handle_htree} does; with {@code -n} every finding is reported and the directory stays indexed,
 * so all of them are found in one go here.
 *
 * <p>With {@code metadata_csum} the root and internal nodes end in a {@code struct dx_tail}
 * ({@code dt_reserved}, {@code dt_checksum}): {@link #dxCsumValid} is {@code ext2fs_dx_csum} of
 * lib/ext2fs/csum.c.
 */
final class FsckHtree {
    static final int ROOT = 1;
    static final int NODE = 2;
    static final int LEAF = 3;

    private static final int FLAG_REFERENCED = 1;
    private static final int FLAG_DUP_REF = 2;
    private static final int FLAG_FIRST = 4;
    private static final int FLAG_LAST = 8;
    /** {@code EXT4_DX_BLOCK_MASK}: the block number bits of an index entry. */
    private static final long DX_BLOCK_MASK = 0x0fffffffL;
    /** {@code sizeof(struct dx_tail)}. */
    static final int DX_TAIL_SIZE = 8;
    /** {@code EXT2_HASH_FLAG_INCOMPAT} in {@code dx_root_info.unused_flags}. */
    private static final int HASH_FLAG_INCOMPAT = 1;

    /** {@code struct dx_dirblock_info}. */
    private static final class Block {
        int type = LEAF;
        int flags;
        int parent;
        int previous;
        long minHash = 0xFFFFFFFFL;
        long maxHash;
        long nodeMinHash;
        long nodeMaxHash;
    }

    private final long ino;
    private final String name;
    private final int bs;
    private final boolean csum;
    private final int[] seed;
    private final boolean hashable;
    private final boolean unsignedHash;
    private final int htreeLevels;
    private final List<String> out;
    private final Block[] blocks;
    private int hashVersion = -1;
    private int depth;

    /**
     * @param ino          the directory
     * @param name         how messages name it ({@code %q}: "/" or "???")
     * @param numBlocks    its blocks (last logical block + 1, e2fsck's {@code numblocks})
     * @param csum         whether metadata_csum is on (a dx_tail ends each index block)
     * @param hashSeed     {@code s_hash_seed}
     * @param unsignedHash {@code EXT2_FLAGS_UNSIGNED_HASH} in {@code s_flags}
     * @param hashable     false for casefolded or encrypted directories, whose names are not hashed here
     * @param largeDir     whether {@code large_dir} is on ({@code ext2_dir_htree_level}: 3 levels, else 2)
     * @param out          where problems go
     */
    FsckHtree(long ino, String name, long numBlocks, int bs, boolean csum, int[] hashSeed, boolean unsignedHash,
              boolean hashable, boolean largeDir, List<String> out) {
        this.ino = ino;
        this.name = name;
        this.bs = bs;
        this.csum = csum;
        this.seed = hashSeed;
        this.unsignedHash = unsignedHash;
        this.hashable = hashable;
        this.htreeLevels = largeDir ? 3 : 2;
        this.out = out;
        this.blocks = new Block[(int) Math.min(numBlocks, Integer.MAX_VALUE - 8)];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block();
        }
    }

    /** A finding e2fsck -n follows with "Clear HTree index? no" (PROMPT_CLEAR_HTREE). */
    private void clear(String text) {
        out.add(text + (text.endsWith(".") ? "" : ".") + "  Clear HTree index? no");
    }

    private String where() {
        return "Problem in HTREE directory inode " + ino;
    }

    /**
     * check_dir_block's classification of block {@code l}: the root at 0, an internal node if it is
     * one empty entry spanning the block whose limit is what an internal node holds, else a leaf.
     *
     * @return {@link #ROOT}, {@link #NODE} or {@link #LEAF}
     */
    int classify(long l, byte[] b) {
        if (l >= blocks.length) {
            return LEAF;
        }
        Block db = blocks[(int) l];
        if (l == 0) {
            db.type = ROOT;
            db.flags |= FLAG_FIRST | FLAG_LAST;
            rootInfo(b);
        } else if (LittleEndian.u32(b, 0) == 0 && LittleEndian.u16(b, 4) == bs && LittleEndian.u8(b, 6) == 0
                && LittleEndian.u16(b, 8) == (bs - (8 + (csum ? DX_TAIL_SIZE : 0))) / 8) {
            db.type = NODE;
        }
        return db.type;
    }

    /** The root info: pass 1's {@code handle_htree} and pass 2's {@code PR_2_HTREE_BAD_ROOT}. */
    private void rootInfo(byte[] b) {
        long reserved = LittleEndian.u32(b, 24);
        int version = LittleEndian.u8(b, 28);
        int infoLen = LittleEndian.u8(b, 29);
        int levels = LittleEndian.u8(b, 30);
        int flags = LittleEndian.u8(b, 31);
        String h = "HTREE directory inode " + ino;
        if (reserved != 0 || infoLen < 8) {
            clear(h + " has an invalid root node.");
        }
        if (version != FsckDxHash.LEGACY && version != FsckDxHash.HALF_MD4 && version != FsckDxHash.TEA
                && version != FsckDxHash.SIPHASH) {
            clear(h + " has an unsupported hash version (" + version + ")");
        }
        if ((flags & HASH_FLAG_INCOMPAT) != 0) {
            clear(h + " uses an incompatible htree root node flag.");
        }
        if (levels > 3) {
            clear(h + " has a tree depth (" + levels + ") which is too big");
        }
        if (reserved != 0 || infoLen < 8 || levels >= htreeLevels) {
            clear(where() + ": root node is invalid");
        }
        hashVersion = version <= FsckDxHash.TEA && unsignedHash ? version + 3 : version;
        depth = levels + 1;
    }

    /** Folds the hash of an in-use entry's name into leaf {@code l}'s min and max (pass 2). */
    void leafHash(long l, byte[] entryName) {
        if (!hashable || l >= blocks.length || hashVersion < 0 || hashVersion == FsckDxHash.SIPHASH) {
            return;
        }
        long h = FsckDxHash.hash(hashVersion, entryName, seed);
        if (h < 0) {
            return;
        }
        Block db = blocks[(int) l];
        db.minHash = Math.min(db.minHash, h);
        db.maxHash = Math.max(db.maxHash, h);
    }

    /**
     * {@code parse_int_node}: the index of root or node block {@code l}, after its entries have been
     * walked as directory entries.
     */
    void parseIntNode(long l, byte[] b, boolean failedCsum) {
        int ent;
        if (l == 0) {
            ent = 24 + LittleEndian.u8(b, 29);
            if (failedCsum) {
                clear(where() + ": root node fails checksum.");
            }
        } else {
            ent = 8;
            if (failedCsum) {
                clear(where() + ": internal node fails checksum.");
            }
        }
        if (ent + 4 > bs) {
            return;
        }
        int limit = LittleEndian.u16(b, ent);
        int count = LittleEndian.u16(b, ent + 2);
        int expectLimit = (bs - ((csum ? DX_TAIL_SIZE : 0) + ent)) / 8;
        if (limit != expectLimit) {
            clear(where() + ": block #" + l + " has invalid limit (" + limit + ")");
        }
        if (count > expectLimit) {
            clear(where() + ": block #" + l + " has invalid count (" + count + ")");
            count = expectLimit;
        }
        indexEntries(l, b, ent, count);
    }

    private void indexEntries(long l, byte[] b, int ent, int count) {
        long minHash = 0xFFFFFFFFL;
        long maxHash = 0;
        long hash = 0;
        for (int i = 0; i < count; i++) {
            long prevHash = hash;
            hash = i == 0 ? 0 : LittleEndian.u32(b, ent + 8 * i) & ~1L;
            long blk = LittleEndian.u32(b, ent + 8 * i + 4) & DX_BLOCK_MASK;
            if (blk >= blocks.length) {
                clear(where() + " (" + name + "): bad block number " + blk + ".");
                continue;
            }
            if (hash < prevHash) {
                clear(where() + ": block #" + l + " has an unordered hash table");
            }
            Block child = blocks[(int) blk];
            if ((child.flags & FLAG_REFERENCED) != 0) {
                child.flags |= FLAG_DUP_REF;
            } else {
                child.flags |= FLAG_REFERENCED;
                child.parent = (int) l;
            }
            child.previous = i > 0 ? (int) (LittleEndian.u32(b, ent + 8 * (i - 1) + 4) & DX_BLOCK_MASK) : 0;
            minHash = Math.min(minHash, hash);
            maxHash = Math.max(maxHash, hash);
            child.nodeMinHash = hash;
            if (i + 1 < count) {
                child.nodeMaxHash = LittleEndian.u32(b, ent + 8 * (i + 1)) & ~1L;
            } else {
                child.nodeMaxHash = 0xFFFFFFFEL;
                child.flags |= FLAG_LAST;
            }
            if (i == 0) {
                child.flags |= FLAG_FIRST;
            }
        }
        Block self = blocks[(int) l];
        self.minHash = minHash;
        self.maxHash = maxHash;
    }

    /** The end of {@code e2fsck_pass2} for this directory. */
    void finish() {
        if (blocks.length == 0) {
            return;
        }
        Block root = blocks[0];
        root.flags |= (root.flags & FLAG_REFERENCED) != 0 ? FLAG_DUP_REF : FLAG_REFERENCED;
        updateParents(LEAF);
        updateParents(NODE);
        int bad = 0;
        for (int b = 0; b < blocks.length; b++) {
            Block db = blocks[b];
            String at = where() + ": block #" + b;
            if ((db.flags & FLAG_FIRST) == 0 && db.minHash < db.nodeMinHash && hashable) {
                out.add(at + " has bad min hash");
                bad++;
            }
            if (db.type == LEAF && depthOf(b) != depth) {
                out.add(at + " has invalid depth (" + depth + ")");
                bad++;
            }
            if (b != 0 && db.maxHash > db.nodeMaxHash && hashable) {
                out.add(at + " has bad max hash");
                bad++;
            }
            if ((db.flags & FLAG_REFERENCED) == 0) {
                out.add(at + " not referenced");
                bad++;
            } else if ((db.flags & FLAG_DUP_REF) != 0) {
                out.add(at + " referenced twice");
                bad++;
            }
        }
        if (bad > 0) {
            clear("Invalid HTREE directory inode " + ino + " (" + name + ").");
        }
    }

    /** {@code update_parents}: the first and last child of a node give the node's min and max hash. */
    private void updateParents(int type) {
        for (Block db : blocks) {
            if (db.type != type) {
                continue;
            }
            Block parent = blocks[db.parent];
            if ((db.flags & FLAG_FIRST) != 0) {
                parent.minHash = db.minHash;
                if (parent.previous != 0) {
                    blocks[parent.previous].nodeMaxHash = parent.minHash;
                }
            }
            if ((db.flags & FLAG_LAST) != 0) {
                parent.maxHash = db.maxHash;
            }
        }
    }

    /** {@code htree_depth}: parents up to the root. */
    private int depthOf(int b) {
        int d = 0;
        Block db = blocks[b];
        while (db.type != ROOT && d < 32000) {
            db = blocks[db.parent];
            d++;
        }
        return d;
    }

    /**
     * {@code __get_dx_countlimit}: the offset of the count/limit header if {@code b} looks like a
     * root (".", then ".." spanning the rest with an 8-byte root info) or an internal node (one empty
     * entry spanning the block), else -1; -2 if the header's numbers cannot fit.
     */
    static int countLimitOffset(byte[] b) {
        int bs = b.length;
        int recLen = LittleEndian.u16(b, 4);
        int off;
        if (recLen == bs && LittleEndian.u16(b, 6) == 0) {
            off = 8;
        } else if (recLen == 12) {
            if (LittleEndian.u16(b, 12 + 4) != bs - 12 || LittleEndian.u32(b, 24) != 0 || LittleEndian.u8(b, 29) != 8) {
                return -1;
            }
            off = 32;
        } else {
            return -1;
        }
        int maxSane = (bs - off) / 8;
        if (LittleEndian.u16(b, off) > maxSane || LittleEndian.u16(b, off + 2) > maxSane) {
            return -2;
        }
        return off;
    }

    /**
     * {@code ext2fs_dx_csum_verify}: crc32c from the directory's seed over the block up to the last
     * index entry in use, then the tail's reserved word and a zero checksum; the tail follows
     * {@code limit} entries.
     */
    static boolean dxCsumValid(int iseed, byte[] b, int countOffset) {
        int bs = b.length;
        int limit = LittleEndian.u16(b, countOffset);
        int count = LittleEndian.u16(b, countOffset + 2);
        if (countOffset + limit * 8 > bs - DX_TAIL_SIZE) {
            return false;
        }
        int tail = countOffset + limit * 8;
        int size = countOffset + count * 8;
        int c = Crc32c.crc32c(iseed, b, 0, size);
        c = Crc32c.crc32c(c, b, tail, 4);
        c = Crc32c.crc32c(c, new byte[4], 0, 4);
        return LittleEndian.u32(b, tail + 4) == (c & 0xFFFFFFFFL);
    }
}
