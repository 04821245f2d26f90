package org.faultline.mm;

/**
 * {@code struct iov_iter}: the source or destination of a read or write, consumed as data is copied.
 * A kernel buffer ({@link #ofBytes}) or user memory ({@code UserIter}, faulting as copy_to_user does).
 */
public interface IovIter {
    /** Bytes left. */
    long count();

    /**
     * copy_page_to_iter(): copies {@code len} bytes of {@code page} at {@code off} out.
     *
     * @return bytes copied (short if a user page could not be faulted in)
     */
    int copyPageToIter(MemMap mem, Page page, int off, int len);

    /** copy_page_from_iter(): copies {@code len} bytes into {@code page} at {@code off}. */
    int copyPageFromIter(MemMap mem, Page page, int off, int len);

    /** A kernel buffer as an iterator (ITER_KVEC). */
    static IovIter ofBytes(byte[] buf, int off, int len) {
        return new IovIter() {
            private int pos = off;
            private final int end = off + len;

            @Override
            public long count() {
                return end - pos;
            }

            @Override
            public int copyPageToIter(MemMap mem, Page page, int o, int l) {
                int n = Math.min(l, end - pos);
                mem.read(page, o, buf, pos, n);
                pos += n;
                return n;
            }

            @Override
            public int copyPageFromIter(MemMap mem, Page page, int o, int l) {
                int n = Math.min(l, end - pos);
                mem.write(page, o, buf, pos, n);
                pos += n;
                return n;
            }
        };
    }
}
