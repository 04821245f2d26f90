package org.faultline.fs;

import org.faultline.block.BlockDevice;
import org.faultline.kernel.BitWord;
import org.faultline.mm.Page;

/**
 * {@code struct buffer_head} (include/linux/buffer_head.h): one block's worth of a page — which disk
 * block it maps ({@code b_blocknr}) and its state bits. A page's buffers form a ring through
 * {@link #next} ({@code b_this_page}) hung on {@code page->private}. The state word is a
 * {@link BitWord}, so {@code lock_buffer} sleeps on BH_Lock like the kernel's {@code wait_on_bit}.
 */
public final class BufferHead extends BitWord {
    public static final int BH_UPTODATE = 0;
    public static final int BH_DIRTY = 1;
    public static final int BH_LOCK = 2;
    public static final int BH_REQ = 3;
    public static final int BH_MAPPED = 5;
    public static final int BH_NEW = 6;
    public static final int BH_ASYNC_READ = 7;
    public static final int BH_ASYNC_WRITE = 8;
    public static final int BH_DELAY = 9;
    public static final int BH_BOUNDARY = 10;
    public static final int BH_WRITE_EIO = 11;
    public static final int BH_UNWRITTEN = 12;
    /** Not a kernel bit: "someone waits on this buffer", for the hashed bit-wait table. */
    static final int BH_WAITERS = 20;

    private static final String[] NAMES = new String[32];

    static {
        NAMES[BH_UPTODATE] = "BH_Uptodate";
        NAMES[BH_DIRTY] = "BH_Dirty";
        NAMES[BH_LOCK] = "BH_Lock";
        NAMES[BH_REQ] = "BH_Req";
        NAMES[BH_MAPPED] = "BH_Mapped";
        NAMES[BH_NEW] = "BH_New";
        NAMES[BH_ASYNC_READ] = "BH_Async_Read";
        NAMES[BH_ASYNC_WRITE] = "BH_Async_Write";
        NAMES[BH_DELAY] = "BH_Delay";
        NAMES[BH_BOUNDARY] = "BH_Boundary";
        NAMES[BH_WRITE_EIO] = "BH_Write_EIO";
        NAMES[BH_UNWRITTEN] = "BH_Unwritten";
    }

    final Page page;
    final int offset;        // b_data: offset within the page
    final int size;          // b_size
    volatile long blocknr = -1;
    volatile BlockDevice bdev;
    BufferHead next;         // b_this_page

    BufferHead(Page page, int offset, int size, long waitKey) {
        super(waitKey);
        this.page = page;
        this.offset = offset;
        this.size = size;
    }

    public Page page() {
        return page;
    }

    public int offset() {
        return offset;
    }

    public int size() {
        return size;
    }

    public long blocknr() {
        return blocknr;
    }

    public BufferHead next() {
        return next;
    }

    public boolean test(int bit) {
        return testBit(bit);
    }

    public void set(int bit) {
        setBit(bit);
    }

    public void clear(int bit) {
        clearBit(bit);
    }

    /** map_bh(): the buffer now maps {@code block} of {@code dev}. */
    public void mapBh(BlockDevice dev, long block) {
        bdev = dev;
        blocknr = block;
        setBit(BH_MAPPED);
    }

    @Override
    public String bitName(int bit) {
        String n = bit < NAMES.length ? NAMES[bit] : null;
        return n == null ? "BH_" + bit : n;
    }

    @Override
    public String describe() {
        return "buffer block " + blocknr + " of " + page.describe();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("bh{blk ").append(blocknr);
        for (int b = 0; b < 13; b++) {
            if (testBit(b) && NAMES[b] != null) {
                sb.append(' ').append(NAMES[b].substring(3));
            }
        }
        return sb.append('}').toString();
    }
}
