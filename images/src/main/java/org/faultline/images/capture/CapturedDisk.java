package org.faultline.images.capture;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.faultline.block.Bio;
import org.faultline.block.WriteLogDriver;

/**
 * A captured disk in the store: the disk as a map of its non-zero 4 KiB blocks to their digests (at
 * boot, and at the failure), and the block write log since boot, each write's data split into blocks
 * by digest. Blocks are stored once ({@link CaptureStore.Batch#putBlock}), so captures of similar
 * disks cost little. The disk after write {@code n} of the log is the boot map with writes
 * {@code 1..n} applied.
 *
 * <p>Map object: {@code "FLMAP1\n"}, then big-endian: disk bytes (long), entries (int), each a block
 * number (long) and a 32-byte digest. Write log object: {@code "FLWLOG1\n"}, entries (int), each: seq
 * (long), op (byte: 0 write, 1 flush), sector (long), flags (int), length (int), then one digest per
 * 4 KiB piece of the data (the last may be shorter).
 */
public final class CapturedDisk {
    private static final byte[] MAP_MAGIC = "FLMAP1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LOG_MAGIC = "FLWLOG1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int BLOCK = CaptureStore.BLOCK;

    private CapturedDisk() {
    }

    /** Reads block {@code i} (4 KiB) of a disk too large to hold in memory. */
    @FunctionalInterface
    public interface BlockReader {
        void read(long i, byte[] dst) throws IOException;
    }

    /**
     * Stores the non-zero blocks of a disk of {@code bytes} read block by block, and its map.
     *
     * @return the map's digest (hex)
     */
    public static String putDisk(CaptureStore.Batch b, long bytes, BlockReader reader) throws IOException {
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        int n = 0;
        byte[] blk = new byte[BLOCK];
        try (DataOutputStream e = new DataOutputStream(entries)) {
            for (long i = 0; i < bytes / BLOCK; i++) {
                reader.read(i, blk);
                if (!isZero(blk, 0)) {
                    e.writeLong(i);
                    e.write(b.putBlock(blk.clone()));
                    n++;
                }
            }
        }
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.write(MAP_MAGIC);
            o.writeLong(bytes);
            o.writeInt(n);
            entries.writeTo(o);
        }
        return CaptureStore.hex(b.putObject(bo.toByteArray()));
    }

    /** Stores {@code disk}'s non-zero blocks and its map; @return the map's digest (hex). */
    public static String putDisk(CaptureStore.Batch b, byte[] disk) {
        try {
            return putDisk(b, disk.length, (i, dst) -> System.arraycopy(disk, (int) (i * BLOCK), dst, 0, BLOCK));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an array is never short
        }
    }

    private static boolean isZero(byte[] d, int off) {
        for (int i = off; i < off + BLOCK; i++) {
            if (d[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Stores the write log's data blocks and the log; @return the log's digest (hex). */
    public static String putWriteLog(CaptureStore.Batch b, List<WriteLogDriver.Entry> log) {
        return putWriteLog(b, log, null);
    }

    /**
     * {@link #putWriteLog(CaptureStore.Batch, List)}, the log deflated in dictionary {@code family}
     * (its workload's write logs are alike: the same data blocks, mostly in the same order).
     */
    public static String putWriteLog(CaptureStore.Batch b, List<WriteLogDriver.Entry> log, String family) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.write(LOG_MAGIC);
            o.writeInt(log.size());
            for (WriteLogDriver.Entry e : log) {
                o.writeLong(e.seq());
                o.writeByte(e.op() == Bio.Op.WRITE ? 0 : 1);
                o.writeLong(e.sector());
                o.writeInt(e.flags());
                o.writeInt(e.data().length);
                for (int off = 0; off < e.data().length; off += BLOCK) {
                    o.write(b.putBlock(Arrays.copyOfRange(e.data(), off, Math.min(e.data().length, off + BLOCK))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return CaptureStore.hex(b.putObject(bo.toByteArray(), family));
    }

    /** One write-log entry as stored: its data as digests of pieces. */
    public record Write(long seq, boolean flush, long sector, int flags, int length, List<byte[]> pieces) {
        /** @return e.g. {@code 12 write sector 2048 +4096 FUA} */
        public String describe() {
            String f = ((flags & Bio.REQ_PREFLUSH) != 0 ? " PREFLUSH" : "") + ((flags & Bio.REQ_FUA) != 0 ? " FUA" : "")
                    + ((flags & Bio.REQ_META) != 0 ? " META" : "");
            return flush ? seq + " flush" + f : seq + " write sector " + sector + " +" + length + f;
        }
    }

    /** @return the write log stored as {@code digestHex} */
    public static List<Write> writeLog(CaptureStore s, String digestHex) throws CaptureStoreException {
        return writeLog(s.object(digestHex), digestHex);
    }

    /** @return the write log {@code raw} (stored as {@code digestHex}, for messages) */
    static List<Write> writeLog(byte[] raw, String digestHex) throws CaptureStoreException {
        List<Write> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw))) {
            expect(in, LOG_MAGIC, "write log");
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                long seq = in.readLong();
                boolean flush = in.readByte() != 0;
                long sector = in.readLong();
                int flags = in.readInt();
                int len = in.readInt();
                List<byte[]> pieces = new ArrayList<>();
                for (int off = 0; off < len; off += BLOCK) {
                    pieces.add(in.readNBytes(32));
                }
                out.add(new Write(seq, flush, sector, flags, len, pieces));
            }
        } catch (IOException e) {
            throw new CaptureStoreException("capture store: write log " + digestHex + " is corrupt", e);
        }
        return out;
    }

    private static void expect(DataInputStream in, byte[] magic, String what) throws IOException {
        if (!Arrays.equals(in.readNBytes(magic.length), magic)) {
            throw new IOException("not a " + what);
        }
    }

    /** A disk map: size and the digest of each non-zero block. */
    private record DiskMap(long bytes, long[] blocks, byte[][] digests) {
    }

    private static DiskMap map(CaptureStore s, String digestHex) throws CaptureStoreException {
        return map(s.object(digestHex), digestHex);
    }

    private static DiskMap map(byte[] raw, String digestHex) throws CaptureStoreException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw))) {
            expect(in, MAP_MAGIC, "disk map");
            long bytes = in.readLong();
            int n = in.readInt();
            long[] blocks = new long[n];
            byte[][] digests = new byte[n][];
            for (int i = 0; i < n; i++) {
                blocks[i] = in.readLong();
                digests[i] = in.readNBytes(32);
            }
            return new DiskMap(bytes, blocks, digests);
        } catch (IOException e) {
            throw new CaptureStoreException("capture store: disk map " + digestHex + " is corrupt", e);
        }
    }

    /** @return the digests of the non-zero blocks of disk map {@code digestHex} */
    static byte[][] mapDigests(CaptureStore s, String digestHex) throws CaptureStoreException {
        return map(s.object(digestHex), digestHex).digests();
    }

    /** @return the digests of the non-zero blocks of the disk map {@code raw} */
    static byte[][] mapDigests(byte[] raw, String digestHex) throws CaptureStoreException {
        return map(raw, digestHex).digests();
    }

    /**
     * The disk in memory: at the failure ({@code atWrite < 0}), or at boot with the write log applied
     * up to entry {@code atWrite} (0: the disk at boot).
     */
    public static byte[] rebuild(CaptureStore s, Manifest m, long atWrite) throws CaptureStoreException {
        if (m.diskBytes() > Integer.MAX_VALUE - 8) {
            throw new CaptureStoreException("capture " + m.title() + ": disk too large to rebuild in memory");
        }
        byte[] disk = new byte[(int) m.diskBytes()];
        boolean stored = atWrite < 0 && m.finalMap() != null;
        DiskMap map = map(s, stored ? m.finalMap() : m.baseMap());
        for (int i = 0; i < map.blocks().length; i++) {
            System.arraycopy(s.block(map.digests()[i]), 0, disk, (int) (map.blocks()[i] * BLOCK), BLOCK);
        }
        if (atWrite < 0 && !stored) {
            atWrite = Long.MAX_VALUE; // the disk at the failure: every write of the log
        }
        if (atWrite > 0) {
            for (Write w : writeLog(s, m.writeLog())) {
                if (w.seq() > atWrite) {
                    break;
                }
                if (w.flush()) {
                    continue;
                }
                long off = w.sector() << 9;
                for (int p = 0; p < w.pieces().size(); p++) {
                    byte[] piece = s.block(w.pieces().get(p));
                    int len = Math.min(BLOCK, w.length() - p * BLOCK);
                    System.arraycopy(piece, 0, disk, (int) (off + (long) p * BLOCK), len);
                }
            }
        }
        return disk;
    }

    /** A disk map written block by block to a new sparse file (a disk larger than memory allows). */
    private static void exportLarge(CaptureStore s, String mapHex, long bytes, Path image) throws IOException {
        DiskMap map = map(s, mapHex);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < map.blocks().length; i++) {
                ByteBuffer bb = ByteBuffer.wrap(s.block(map.digests()[i]));
                long off = map.blocks()[i] * BLOCK;
                while (bb.hasRemaining()) {
                    ch.write(bb, off + bb.position());
                }
            }
            ch.truncate(bytes);
            if (ch.size() < bytes) {
                ch.write(ByteBuffer.allocate(1), bytes - 1);
            }
            ch.force(true);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CaptureStoreException(image + ": exists; the export never overwrites a file (remove it or name another)");
        }
    }

    /**
     * Writes the disk ({@link #rebuild}) to a new image file, sparse: zero blocks are not written.
     *
     * @throws IOException if {@code image} exists (it is never overwritten) or cannot be written
     */
    public static void export(CaptureStore s, Manifest m, long atWrite, Path image) throws IOException {
        if (m.diskBytes() > Integer.MAX_VALUE - 8 && atWrite < 0 && m.finalMap() != null) {
            exportLarge(s, m.finalMap(), m.diskBytes(), image);
            return;
        }
        if (m.diskBytes() > Integer.MAX_VALUE - 8 && atWrite == 0) {
            exportLarge(s, m.baseMap(), m.diskBytes(), image);
            return;
        }
        byte[] disk = rebuild(s, m, atWrite);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int off = 0; off < disk.length; off += BLOCK) {
                if (!isZero(disk, off)) {
                    ByteBuffer bb = ByteBuffer.wrap(disk, off, BLOCK);
                    while (bb.hasRemaining()) {
                        ch.write(bb, off + (bb.position() - off));
                    }
                }
            }
            ch.truncate(disk.length);
            if (ch.size() < disk.length) {
                ch.write(ByteBuffer.allocate(1), disk.length - 1L);
            }
            ch.force(true);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CaptureStoreException(image + ": exists; the export never overwrites a file (remove it or name another)");
        }
        if (Files.size(image) != disk.length) {
            throw new CaptureStoreException(image + ": wrote " + Files.size(image) + " bytes, expected " + disk.length);
        }
    }
}
