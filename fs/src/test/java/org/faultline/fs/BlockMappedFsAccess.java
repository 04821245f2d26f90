package org.faultline.fs;

import org.faultline.kernel.Kernel;

/** Lets tests in other packages extend the block-mapped test filesystem. */
public class BlockMappedFsAccess extends BlockMappedFs {
    public static final int FILE_BLOCKS = BlockMappedFs.FILE_BLOCKS;

    public BlockMappedFsAccess(Kernel k, int files) {
        super(k, files);
    }

    public SuperBlock superBlock() {
        return sb;
    }

    public org.faultline.block.MemDiskDriver diskDriver() {
        return disk;
    }
}
