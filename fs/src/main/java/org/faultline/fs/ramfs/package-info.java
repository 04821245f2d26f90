/**
 * ramfs (fs/ramfs/inode.c): a filesystem whose files live only in the page cache — no backing store,
 * pages never written back — for tests of the VFS and mm paths without a disk.
 *
 * <p>Locking: the VFS's ({@code i_rwsem} for namespace changes and writes) and the page cache's;
 * ramfs adds none.
 */
package org.faultline.fs.ramfs;
