package org.faultline.images.capture;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One file holding a capture with everything it references — its texts, disk maps, write log and
 * every block of them — to send to a colleague ({@code rr pack}'s role): {@link #pack} writes it,
 * {@link #unpack} stores it into any store, where it has the same id.
 *
 * <p>Format: {@code "FLPACK1\n"}, then records, each a type byte (1 object, 2 block, 3 manifest), the
 * 32-byte digest of the content (for a manifest: the capture id), the stored (deflated) length and
 * bytes; then a type byte 0 and the SHA-256 of everything before it. Unpacking checks every digest
 * and the trailer, and writes nothing to the store unless the whole pack is sound.
 */
public final class CapturePack {
    private static final byte[] MAGIC = "FLPACK1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int OBJECT = 1;
    private static final int BLOCK = 2;
    private static final int MANIFEST = 3;
    /** Largest stored record accepted (a deflated trace or disk map). */
    private static final int MAX_RECORD = 1 << 30;

    private CapturePack() {
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes capture {@code s} of {@code store} to a new file {@code out} (never overwriting one).
     *
     * @return the blocks packed
     */
    public static long pack(CaptureStore store, CaptureStore.Stored s, Path out) throws IOException {
        Manifest m = s.manifest();
        Set<String> objects = new LinkedHashSet<>(Arrays.asList(m.workload(), m.report(), m.log(), m.baseMap(),
                m.writeLog()));
        if (m.finalMap() != null) {
            objects.add(m.finalMap());
        }
        Set<String> blocks = new LinkedHashSet<>();
        for (String map : objects.contains(m.finalMap()) ? new String[] {m.baseMap(), m.finalMap()} : new String[] {m.baseMap()}) {
            for (byte[] d : CapturedDisk.mapDigests(store, map)) {
                blocks.add(CaptureStore.hex(d));
            }
        }
        for (CapturedDisk.Write w : CapturedDisk.writeLog(store, m.writeLog())) {
            for (byte[] d : w.pieces()) {
                blocks.add(CaptureStore.hex(d));
            }
        }
        blocks.remove(CaptureStore.hex(CaptureStore.ZERO_BLOCK_DIGEST));
        Path tmp = out.resolveSibling(out.getFileName() + ".part");
        MessageDigest md = sha256();
        try (OutputStream fo = Files.newOutputStream(tmp);
             DataOutputStream o = new DataOutputStream(new BufferedOutputStream(new DigestOutputStream(fo, md)))) {
            o.write(MAGIC);
            for (String h : objects) {
                record(o, OBJECT, CaptureStore.unhex(h), CaptureStore.deflate(store.object(h)));
            }
            for (String h : blocks) {
                record(o, BLOCK, CaptureStore.unhex(h), CaptureStore.deflate(store.block(CaptureStore.unhex(h))));
            }
            record(o, MANIFEST, CaptureStore.unhex(s.id()), m.toJson().getBytes(StandardCharsets.UTF_8));
            o.writeByte(0);
            o.flush();
            fo.write(md.digest());
        }
        try {
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return blocks.size();
    }

    private static void record(DataOutputStream o, int type, byte[] digest, byte[] stored) throws IOException {
        o.writeByte(type);
        o.write(digest);
        o.writeInt(stored.length);
        o.write(stored);
    }

    /**
     * Stores the capture packed in {@code file} into {@code store}.
     *
     * @return the capture, as stored
     * @throws CaptureStoreException one line if the file is not a sound pack (nothing is stored then)
     */
    public static CaptureStore.Stored unpack(CaptureStore store, Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream fi = new BufferedInputStream(Files.newInputStream(file));
             DataInputStream in = new DataInputStream(new DigestInputStream(fi, md))) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw new CaptureStoreException(file + ": not a Faultline capture pack");
            }
            try (CaptureStore.Batch b = store.batch()) {
                String id = null;
                for (;;) {
                    int type = in.readUnsignedByte();
                    if (type == 0) {
                        break;
                    }
                    byte[] digest = in.readNBytes(32);
                    int len = in.readInt();
                    if (digest.length != 32 || len < 0 || len > MAX_RECORD || id != null) {
                        throw new CaptureStoreException(file + ": a damaged capture pack");
                    }
                    byte[] stored = in.readNBytes(len);
                    if (stored.length != len) {
                        throw new CaptureStoreException(file + ": a truncated capture pack");
                    }
                    byte[] content = type == MANIFEST ? stored : CaptureStore.inflate(stored);
                    byte[] got = switch (type) {
                        case OBJECT -> b.putObject(content);
                        case BLOCK -> b.putBlock(content);
                        case MANIFEST -> CaptureStore.unhex(b.putCapture(
                                Manifest.fromJson(new String(content, StandardCharsets.UTF_8))));
                        default -> throw new CaptureStoreException(file + ": a damaged capture pack (record type " + type + ")");
                    };
                    if (!Arrays.equals(got, digest)) {
                        throw new CaptureStoreException(file + ": a damaged capture pack (content does not match its digest)");
                    }
                    if (type == MANIFEST) {
                        id = CaptureStore.hex(digest);
                    }
                }
                byte[] want = md.digest();
                byte[] trailer = fi.readNBytes(32);
                if (!Arrays.equals(want, trailer) || fi.read() != -1) {
                    throw new CaptureStoreException(file + ": a damaged capture pack (checksum)");
                }
                if (id == null) {
                    throw new CaptureStoreException(file + ": a capture pack without its capture");
                }
                b.commit();
                return store.find(id);
            }
        } catch (EOFException e) {
            throw new CaptureStoreException(file + ": a truncated capture pack", e);
        }
    }
}
