package org.faultline.tools.bench;

import java.nio.file.Path;
import org.faultline.kernel.Prng;
import org.faultline.kernel.Stopwatch;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;
import org.faultline.nativeio.LibC;

/**
 * The host kernel's side of {@code bench fs --vs-host}: the same system calls as the emulated
 * workload — open with O_TRUNC, {@code write(2)} of {@code bs} bytes until {@code size}, {@code fsync},
 * close — on a file of the host's, beside the image (the same device), timed by the wall clock from
 * the first write to fsync's return. Like the emulated pass, it is the second of two: the first
 * allocates the host's blocks.
 */
public final class HostWrite {
    private HostWrite() {
    }

    /**
     * The bytes every write of a {@code bench fs} pass writes, the emulated one and the host's alike:
     * {@code len} (a multiple of 8) from {@code Prng(1)}, little-endian, incompressible.
     */
    public static byte[] pattern(int len) {
        byte[] b = new byte[len];
        Prng p = new Prng(1);
        for (int i = 0; i + 8 <= len; i += 8) {
            long v = p.nextLong();
            for (int j = 0; j < 8; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    /** @return the timed pass's rate in MiB/s, the unit bench fs prints as MB/s */
    public static double seqWriteFsync(Path file, long size, long bs) throws ErrnoException {
        try (AlignedMemory buf = AlignedMemory.allocate(bs)) {
            byte[] b = pattern((int) bs);
            buf.put(0, b, 0, b.length);
            pass(file, size, bs, buf);
            return pass(file, size, bs, buf);
        }
    }

    private static double pass(Path file, long size, long bs, AlignedMemory buf) throws ErrnoException {
        try (HostFile f = HostFile.open(file, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC, 0644)) {
            Stopwatch sw = new Stopwatch();
            for (long off = 0; off < size; off += bs) {
                f.pwrite(buf.address(), (int) bs, off);
            }
            f.fsync();
            return size / 1048576.0 / (sw.elapsedNs() / 1e9);
        }
    }
}
