package org.faultline.fs.ext4;

/**
 * One mapping of an extent tree leaf ({@code struct ext4_extent}, decoded): logical blocks
 * {@code [lblk, lblk + len)} of the file live at physical blocks {@code [pblk, pblk + len)}.
 *
 * @param lblk      first logical block
 * @param pblk      first physical block
 * @param len       number of blocks (1..32768, or ..32767 when unwritten)
 * @param unwritten whether the extent is unwritten (allocated by fallocate; reads as zeros)
 */
public record Extent(long lblk, long pblk, int len, boolean unwritten) {
    /** @return one past the last logical block */
    public long lend() {
        return lblk + len;
    }

    /** @return one past the last physical block */
    public long pend() {
        return pblk + len;
    }

    @Override
    public String toString() {
        return "[" + lblk + "+" + len + " -> " + pblk + (unwritten ? " unwritten]" : "]");
    }
}
