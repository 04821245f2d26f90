package org.faultline.fs.iomap;

/**
 * {@code struct iomap} (include/linux/iomap.h): how a file range maps to the disk.
 *
 * @param addr   disk byte address of {@code offset}, or {@link #IOMAP_NULL_ADDR}
 * @param offset file byte offset of the mapping
 * @param length bytes mapped
 * @param type   HOLE, DELALLOC, MAPPED or UNWRITTEN
 */
public record Iomap(long addr, long offset, long length, int type) {
    public static final long IOMAP_NULL_ADDR = -1;
    public static final int IOMAP_HOLE = 0;
    public static final int IOMAP_DELALLOC = 1;
    public static final int IOMAP_MAPPED = 2;
    public static final int IOMAP_UNWRITTEN = 3;
    /** Not a type: the iomap is an error ({@code ERR_PTR}), its errno in {@link #addr}. */
    private static final int IOMAP_ERR = -1;

    /** ERR_PTR(err): the failure of an {@code ->iomap_begin} or {@code ->map_blocks}. */
    public static Iomap errPtr(int err) {
        return new Iomap(err, 0, 0, IOMAP_ERR);
    }

    /** IS_ERR(). */
    public boolean isErr() {
        return type == IOMAP_ERR;
    }

    /** PTR_ERR(): the negative errno of an error iomap. */
    public int ptrErr() {
        return (int) addr;
    }

    /** iomap_begin flags. */
    public static final int IOMAP_WRITE = 1;
    public static final int IOMAP_FAULT = 4;
}
