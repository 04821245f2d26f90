/**
 * ext4, split as fs/ext4 is. The on-disk format: descriptors of the structures
 * ({@link org.faultline.fs.ext4.SuperBlockDescriptor}, {@link org.faultline.fs.ext4.GroupDescDescriptor},
 * {@link org.faultline.fs.ext4.InodeDescriptor}, {@link org.faultline.fs.ext4.ExtentDescriptor},
 * {@link org.faultline.fs.ext4.DirEntryDescriptor}, {@link org.faultline.fs.ext4.DxDescriptor}) and typed
 * views over them. The filesystem instance {@link org.faultline.fs.ext4.Ext4Volume} (super.c) and its
 * parts, each the on-disk half of the kernel functions of one file, by inode number:
 * {@link org.faultline.fs.ext4.Ext4Inodes} (inode.c, ialloc.c), {@link org.faultline.fs.ext4.Ext4Dirs} (namei.c, dir.c) over {@link org.faultline.fs.ext4.Ext4DirBlocks} (namei.c's block level) and
 * {@link org.faultline.fs.ext4.Ext4Htree} (namei.c's hash tree directories: {@code dx_probe},
 * {@code ext4_dx_add_entry}, {@code do_split}, {@code make_indexed_dir}) and
 * {@link org.faultline.fs.ext4.Ext4Hash} (hash.c: the legacy, half_md4 and tea name hashes),
 * {@link org.faultline.fs.ext4.Ext4Extents} over {@link org.faultline.fs.ext4.ExtentTree} (extents.c),
 * {@link org.faultline.fs.ext4.Ext4Orphan} (orphan.c), {@link org.faultline.fs.ext4.Ext4Xattr} (xattr.c:
 * extended attributes in the inode and in a reference-counted block; the name prefixes of xattr_user.c,
 * xattr_trusted.c and xattr_security.c in {@link org.faultline.fs.ext4.Ext4XattrHandlers}),
 * {@link org.faultline.fs.ext4.BlockAllocator}
 * (mballoc.c) and {@link org.faultline.fs.ext4.InodeAllocator} (ialloc.c's bitmaps). Loading the
 * journal at open, and so replaying one that needs recovery, is {@link org.faultline.fs.ext4.Ext4Journal}
 * (super.c's {@code ext4_load_journal}) with {@link org.faultline.fs.ext4.Ext4JournalBmap} over
 * {@link org.faultline.fs.jbd2}; writing metadata through the journal while mounted read-write is
 * {@link org.faultline.fs.ext4.Ext4Jbd2} (ext4_jbd2.c's volume half: a commit logs every dirty metadata
 * block and checkpoints it; the metadata cache keeps uncommitted blocks from their places) under
 * {@link org.faultline.fs.ext4.Ext4Journaling} (its kernel half: handles, {@code i_sync_tid}, the
 * commit thread, fsync's waits, ordered data).
 * Over them the
 * in-kernel ext4: {@link org.faultline.fs.ext4.Ext4Super} (mount, the filesystem lock, error
 * reports), {@link org.faultline.fs.ext4.Ext4Namei}, {@link org.faultline.fs.ext4.Ext4Inode} (delalloc
 * write path, writepages, page_mkwrite, DIO), {@link org.faultline.fs.ext4.Ext4File},
 * {@link org.faultline.fs.ext4.PageIo} and {@link org.faultline.fs.ext4.ExtentStatus}.
 * The offline tools (mkfs, fsck, the path API) are in {@code org.faultline.images.ext4}.
 *
 * <p>Written from the documented on-disk format (the kernel's {@code Documentation/filesystems/ext4})
 * and the kernel's behaviour; class, method and constant names follow the kernel's. Images written
 * here pass {@code e2fsck -fn} and read back with {@code debugfs}; images made by {@code mkfs.ext4}
 * with the supported feature set open here.
 *
 * <p>Locking: the volume and its parts take no locks and are single-threaded by contract;
 * {@link org.faultline.fs.ext4.Ext4Super} serialises every call into them with its filesystem mutex
 * (the deviation from the kernel's per-group locks), taken inside the VFS's {@code i_rwsem}, page
 * locks and the inode's {@code i_data_sem} ({@link org.faultline.fs.ext4.Ext4InodeInfo}: the extent
 * map and {@code i_disksize}), never the other way round. A journal handle is started outside all of
 * them but {@code i_rwsem} (order: {@code i_rwsem} → handle → page lock → {@code i_data_sem} → the
 * filesystem mutex); the commit thread takes the filesystem mutex only after the handles of its
 * transaction stopped. The extent status tree is changed under {@code i_data_sem}.
 */
package org.faultline.fs.ext4;
