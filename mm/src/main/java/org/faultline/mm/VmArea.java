package org.faultline.mm;

/**
 * {@code struct vm_area_struct}: a range of a task's address space, anonymous or mapping a file.
 */
public final class VmArea {
    /**
     * {@code vfs_fsync_range(file, start, end, datasync)} of a mapped file, as the filesystem's
     * {@code ->fsync} does it: what msync(MS_SYNC) calls for the file range a mapping covers.
     */
    @FunctionalInterface
    public interface FsyncRange {
        void fsyncRange(long start, long end, boolean datasync);
    }

    public static final int VM_READ = 0x1;
    public static final int VM_WRITE = 0x2;
    public static final int VM_EXEC = 0x4;
    public static final int VM_SHARED = 0x8;
    public static final int VM_MAYWRITE = 0x20;

    final MmStruct mm;
    final long start;          // vm_start, page aligned
    final long end;            // vm_end, exclusive
    final int flags;           // vm_flags
    final AddressSpace file;   // vm_file->f_mapping, or null for anonymous memory
    final long pgoff;          // vm_pgoff: file page at vm_start
    final VmOperations ops;
    final FsyncRange fsync;    // vfs_fsync_range of the file, for msync(MS_SYNC); may be null
    final Runnable fput;       // drops the mapping's reference on vm_file when it goes; may be null

    VmArea(MmStruct mm, long start, long end, int flags, AddressSpace file, long pgoff, VmOperations ops, FsyncRange fsync,
           Runnable fput) {
        this.mm = mm;
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.file = file;
        this.pgoff = pgoff;
        this.ops = ops;
        this.fsync = fsync;
        this.fput = fput;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public int flags() {
        return flags;
    }

    public AddressSpace file() {
        return file;
    }

    public boolean isShared() {
        return (flags & VM_SHARED) != 0;
    }

    public boolean isAnonymous() {
        return file == null;
    }

    /** The user address at which this VMA maps file page {@code index}, or -1. */
    long addressOf(long index) {
        long a = start + ((index - pgoff) << Page.PAGE_SHIFT);
        return a >= start && a < end ? a : -1;
    }

    /** linear_page_index(). */
    long linearPageIndex(long address) {
        return pgoff + ((address - start) >> Page.PAGE_SHIFT);
    }

    @Override
    public String toString() {
        return String.format("vma %x-%x %s%s%s", start, end, (flags & VM_READ) != 0 ? "r" : "-",
                (flags & VM_WRITE) != 0 ? "w" : "-", isShared() ? "s" : "p");
    }
}
