package org.faultline.mm;

/**
 * An {@link IovIter} over user memory (ITER_IOVEC): copies go through the task's page tables and
 * fault as {@code copy_to_user}/{@code copy_from_user} do — so a read(2) into a shared file mapping
 * dirties that file's page through {@code page_mkwrite}. A copy stops short at an unresolvable fault.
 */
public final class UserIter implements IovIter {
    private final MmStruct mm;
    private long addr;
    private long left;

    public UserIter(MmStruct mm, long addr, long len) {
        this.mm = mm;
        this.addr = addr;
        this.left = len;
    }

    /** The next user address the iterator will touch. */
    public long address() {
        return addr;
    }

    @Override
    public long count() {
        return left;
    }

    @Override
    public int copyPageToIter(MemMap mem, Page page, int off, int len) {
        int n = (int) Math.min(len, left);
        byte[] tmp = new byte[n];
        mem.read(page, off, tmp, 0, n);
        Memory.Access a = Memory.access(mm, addr, tmp, 0, n, true);
        addr += a.bytes();
        left -= a.bytes();
        return a.bytes();
    }

    @Override
    public int copyPageFromIter(MemMap mem, Page page, int off, int len) {
        int n = (int) Math.min(len, left);
        byte[] tmp = new byte[n];
        Memory.Access a = Memory.access(mm, addr, tmp, 0, n, false);
        mem.write(page, off, tmp, 0, a.bytes());
        addr += a.bytes();
        left -= a.bytes();
        return a.bytes();
    }
}
