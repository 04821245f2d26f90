package org.faultline.fs;

/**
 * {@code struct kstatfs}: what statfs(2) returns — block size, blocks in all, free, and free to
 * unprivileged users, inodes in all and free, the longest name.
 */
public record Kstatfs(int bsize, long blocks, long bfree, long bavail, long files, long ffree, int namelen) {
}
