package org.faultline.fs;

/** One directory entry as readdir returns it ({@code struct linux_dirent64}). */
public record DirEntry(String name, long ino, int type) {
    public static final int DT_REG = 8;
    public static final int DT_DIR = 4;
    public static final int DT_LNK = 10;
}
