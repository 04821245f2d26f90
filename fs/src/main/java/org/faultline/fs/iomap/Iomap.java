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

    /** iomap_begin flags. */
    public static final int IOMAP_WRITE = 1;
    public static final int IOMAP_FAULT = 4;
}
