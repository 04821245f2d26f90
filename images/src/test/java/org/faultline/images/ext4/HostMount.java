package org.faultline.images.ext4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host kernel's mount of an image, for comparisons: loop mounts need root and a mount binary. */
final class HostMount {
    private HostMount() {
    }

    /**
     * What a mount did.
     *
     * @param mounted whether the host kernel mounted it
     * @param output  mount's output when it did not
     * @param image   the image
     */
    record Result(boolean mounted, String output, Path image) {
    }

    /** Something to do with the mounted tree. */
    @FunctionalInterface
    interface Body {
        void run(Path root) throws Exception;
    }

    /** Whether this machine can loop-mount an image (tries one in {@code dir}). */
    static boolean probe(Path dir) throws Exception {
        if (!"root".equals(System.getProperty("user.name")) || E2fs.tool("mount") == null
                || E2fs.tool("losetup") == null) {
            return false;
        }
        Path img = dir.resolve("probe.img");
        if (E2fs.run("mkfs.ext4", "-F", "-q", "-b", "4096", img.toString(), "8M").exit() != 0) {
            return false;
        }
        return mountAndUnmount(img, dir.resolve("probe.mnt"), false).mounted();
    }

    /** Mounts {@code img} read-write ({@code -o loop}) and unmounts it. */
    static Result mountAndUnmount(Path img, Path mnt, boolean readOnly) throws Exception {
        return withMount(img, mnt, readOnly, root -> { });
    }

    /**
     * Mounts {@code img} on {@code mnt}, runs {@code body}, unmounts. Read-only mounts are made on a
     * writable loop device ({@code losetup}, then {@code mount -o ro}), so that the host kernel replays
     * a journal as it does for a read-only mount of a writable disk.
     */
    static Result withMount(Path img, Path mnt, boolean readOnly, Body body) throws Exception {
        Files.createDirectories(mnt);
        String dev = img.toString();
        String loop = null;
        if (readOnly) {
            E2fs.Run l = E2fs.run("losetup", "-f", "--show", img.toString());
            if (l.exit() != 0) {
                throw new IOException("losetup: " + l.out());
            }
            loop = l.out().trim();
            dev = loop;
        }
        try {
            E2fs.Run m = E2fs.run("mount", "-t", "ext4", "-o", readOnly ? "ro" : "loop", dev, mnt.toString());
            if (m.exit() != 0) {
                return new Result(false, m.out(), img);
            }
            try {
                body.run(mnt);
            } finally {
                E2fs.Run u = E2fs.run("umount", mnt.toString());
                if (u.exit() != 0) {
                    throw new IOException("umount " + mnt + ": " + u.out());
                }
            }
            return new Result(true, m.out(), img);
        } finally {
            if (loop != null) {
                E2fs.run("losetup", "-d", loop);
            }
        }
    }
}
