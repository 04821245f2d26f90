package org.faultline.mm;

/**
 * What mm needs of the inode that owns a mapping ({@code mapping->host}). The VFS inode implements
 * it; mm never imports fs/.
 */
public interface MappingHost {
    /** i_size_read(). */
    long iSize();

    /** __mark_inode_dirty(inode, I_DIRTY_PAGES): queue the inode for writeback. */
    void markInodeDirtyPages();

    /** "ino 12 (sb sda)" — for reports. */
    String describe();
}
