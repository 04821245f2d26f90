package org.faultline.images.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import java.nio.ByteBuffer;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * The capture store: one LMDB environment (a directory holding {@code data.mdb} and {@code lock.mdb})
 * with four databases, all keyed by SHA-256 digests (see docs/captures.md):
 * <ul>
 * <li>{@code meta}: {@code format} → {@value #FORMAT}; a store without it is refused.</li>
 * <li>{@code blocks}: digest of a disk block's bytes (a 4 KiB block, or a write's shorter tail) →
 *     those bytes, deflated. An all-zero block is never stored: its digest reads as zeros.</li>
 * <li>{@code objects}: digest → the content (workload text, report, kernel log, disk maps, write
 *     logs), stored once however many captures share it, as the digest of its dictionary object
 *     (zeros: none) followed by the content deflated against it — or a {@code 0x01} byte and the
 *     content {@linkplain LineFold line-folded}, deflated against the folded dictionary.</li>
 * <li>{@code captures}: capture id (digest of the manifest) → the manifest (JSON, {@link Manifest}).</li>
 * <li>{@code dicts}: {@code WORKLOAD/KIND} → the digest of the first object of that kind stored for
 *     that workload (report, log, write log, manifest), the preset dictionary the later ones are
 *     deflated against: captures of one workload are alike, so each costs little more than what
 *     differs.</li>
 * </ul>
 * LMDB's transactions make every put atomic and durable at commit: a process killed at any moment
 * leaves the store as of its last committed capture. Several processes and threads may write at once
 * (LMDB serialises write transactions); a capture's blocks and objects are committed before its
 * manifest, so a listed capture is always complete. LMDB keeps no checksums and trusts its pages: an
 * existing store's data file is checked first ({@link LmdbCheck}), so that a damaged one is refused in
 * one line rather than crash the JVM.
 *
 * <p>Thread-safe (LMDB's, {@link EnvFlags#MDB_NOTLS}). Keys and values cross into LMDB through
 * {@link Table}'s direct buffers, kept reachable until each call returns: lmdbjava 0.9.1's
 * {@code ByteArrayProxy} lets the native copy of a value be freed by the garbage collector before
 * {@code mdb_put} reads it (lmdbjava issue #252), which stored corrupt values under load.
 */
public final class CaptureStore implements AutoCloseable {
    /** The {@code meta} database's {@code format} value. */
    public static final String FORMAT = "faultline-capture-store 3";
    /** Most a store may grow to (LMDB's map size; the file grows as it fills). */
    static final long MAP_SIZE = 1L << 38;
    static final int BLOCK = 4096;
    /** Digest of an all-zero 4 KiB block (never stored). */
    static final byte[] ZERO_BLOCK_DIGEST = sha256(new byte[BLOCK]);

    private final Path dir;
    private final Env<ByteBuffer> env;
    private final Table meta;
    private final Table blocks;
    private final Table objects;
    private final Table captures;
    private final Table dicts;

    private CaptureStore(Path dir, Env<ByteBuffer> env) {
        this.dir = dir;
        this.env = env;
        this.meta = new Table(env.openDbi("meta", DbiFlags.MDB_CREATE));
        this.blocks = new Table(env.openDbi("blocks", DbiFlags.MDB_CREATE));
        this.objects = new Table(env.openDbi("objects", DbiFlags.MDB_CREATE));
        this.captures = new Table(env.openDbi("captures", DbiFlags.MDB_CREATE));
        this.dicts = new Table(env.openDbi("dicts", DbiFlags.MDB_CREATE));
    }

    /**
     * Opens (creating it if {@code dir} does not exist or is empty) the store in {@code dir}.
     *
     * @throws CaptureStoreException one line: not a directory, not a Faultline store, corrupt, no
     *                               permission
     */
    public static CaptureStore open(Path dir) throws CaptureStoreException {
        boolean fresh;
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new CaptureStoreException(dir + ": not a directory (a capture store is a directory)");
            }
            fresh = !Files.exists(dir.resolve("data.mdb"));
            if (fresh && Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    if (s.anyMatch(p -> !p.getFileName().toString().equals("lock.mdb"))) {
                        throw new CaptureStoreException(dir + ": not a capture store (the directory holds other files)");
                    }
                }
            }
            Files.createDirectories(dir);
        } catch (CaptureStoreException e) {
            throw e;
        } catch (IOException e) {
            throw new CaptureStoreException(dir + ": cannot open the capture store: " + e.getMessage(), e);
        }
        if (!fresh) {
            LmdbCheck.check(dir); // LMDB trusts every page it reads: a damaged one must not reach it
        }
        Env<ByteBuffer> env;
        try {
            env = Env.create().setMapSize(MAP_SIZE).setMaxDbs(8).setMaxReaders(256)
                    .open(dir.toFile(), EnvFlags.MDB_NOTLS);
        } catch (LmdbException | IllegalArgumentException e) {
            throw new CaptureStoreException(dir + ": not a readable capture store (" + e.getMessage() + ")", e);
        } catch (LinkageError | RuntimeException e) { // lmdbjava's buffers need java.nio opened to it
            throw new CaptureStoreException(dir + ": cannot open the capture store in this JVM (" + e
                    + "); run Faultline with its launcher, or pass --add-opens java.base/java.nio=ALL-UNNAMED", e);
        }
        try {
            CaptureStore s = new CaptureStore(dir, env);
            s.checkFormat(fresh);
            return s;
        } catch (CaptureStoreException | RuntimeException e) {
            env.close();
            if (e instanceof CaptureStoreException c) {
                throw c;
            }
            throw new CaptureStoreException(dir + ": not a readable capture store (" + e.getMessage() + ")", e);
        }
    }

    private void checkFormat(boolean fresh) throws CaptureStoreException {
        byte[] key = "format".getBytes(StandardCharsets.UTF_8);
        try (Txn<ByteBuffer> txn = write()) {
            byte[] v = meta.get(txn, key);
            if (v == null) {
                if (!fresh && count(txn) > 0) {
                    throw new CaptureStoreException(dir + ": not a Faultline capture store (no format record)");
                }
                meta.put(txn, key, FORMAT.getBytes(StandardCharsets.UTF_8));
                commit(txn);
                return;
            }
            String f = new String(v, StandardCharsets.UTF_8);
            if (!f.equals(FORMAT)) {
                throw new CaptureStoreException(dir + ": a capture store of another format ('" + f + "', this Faultline reads '"
                        + FORMAT + "'): move it away, or name another with --store");
            }
        }
    }

    private long count(Txn<ByteBuffer> txn) {
        return captures.entries(txn) + blocks.entries(txn) + objects.entries(txn);
    }

    /** @return the store's directory */
    public Path dir() {
        return dir;
    }

    // ------------------------------------------------------------------ content

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return {@code d} in lower-case hex */
    public static String hex(byte[] d) {
        return HexFormat.of().formatHex(d);
    }

    static byte[] unhex(String h) {
        return HexFormat.of().parseHex(h);
    }

    static byte[] deflate(byte[] b) {
        return deflate(b, null);
    }

    /** Deflates {@code b}, with a preset dictionary (similar content stored before) if not null. */
    static byte[] deflate(byte[] b, byte[] dict) {
        Deflater d = new Deflater(dict == null ? Deflater.BEST_SPEED : Deflater.BEST_COMPRESSION);
        if (dict != null) {
            d.setDictionary(dict);
        }
        d.setInput(b);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, b.length / 4));
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    static byte[] inflate(byte[] b) throws CaptureStoreException {
        return inflate(b, null);
    }

    static byte[] inflate(byte[] b, byte[] dict) throws CaptureStoreException {
        Inflater i = new Inflater();
        i.setInput(b);
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length * 4);
        byte[] buf = new byte[8192];
        try {
            while (!i.finished()) {
                int n = i.inflate(buf);
                if (n == 0 && i.needsDictionary() && dict != null) {
                    i.setDictionary(dict);
                    continue;
                }
                if (n == 0 && (i.needsInput() || i.needsDictionary())) {
                    throw new CaptureStoreException("capture store: a stored value is truncated");
                }
                out.write(buf, 0, n);
            }
        } catch (DataFormatException e) {
            throw new CaptureStoreException("capture store: a stored value is corrupt (" + e.getMessage() + ")", e);
        } finally {
            i.end();
        }
        return out.toByteArray();
    }

    /** A batch of puts in one write transaction: committed together, or not at all. */
    public final class Batch implements AutoCloseable {
        private final Txn<ByteBuffer> txn = write();

        /** Stores a block (or a write's tail piece) once; an all-zero 4 KiB block is not stored. */
        public byte[] putBlock(byte[] data) {
            byte[] d = sha256(data);
            if (data.length == BLOCK && java.util.Arrays.equals(d, ZERO_BLOCK_DIGEST)) {
                return d;
            }
            if (blocks.get(txn, d) == null) {
                blocks.put(txn, d, deflate(data));
            }
            return d;
        }

        /** Stores an object once. */
        public byte[] putObject(byte[] data) {
            return putObject(data, null);
        }

        /**
         * Stores an object once, deflated against the dictionary of {@code family} (the first object
         * stored in that family becomes its dictionary): the report, log and write log of one workload's
         * captures are alike, so each costs little more than what differs.
         *
         * @param family e.g. {@code WORKLOAD-DIGEST/report}, or null for no dictionary
         */
        public byte[] putObject(byte[] data, String family) {
            byte[] d = sha256(data);
            if (objects.get(txn, d) == null) {
                objects.put(txn, d, encode(txn, data, family, d));
            }
            return d;
        }

        /** Stores a text object (UTF-8). */
        public String putText(String text) {
            return putText(text, null);
        }

        /** Stores a text object (UTF-8) in a dictionary family. */
        public String putText(String text, String family) {
            return hex(putObject(text.getBytes(StandardCharsets.UTF_8), family));
        }

        /** Stores the manifest under its id (its digest), deflated against its workload's first manifest. */
        public String putCapture(Manifest m) {
            byte[] id = sha256(m.idJson().getBytes(StandardCharsets.UTF_8));
            byte[] json = m.toJson().getBytes(StandardCharsets.UTF_8);
            String family = m.workload() + "/manifest";
            if (dicts.get(txn, family.getBytes(StandardCharsets.UTF_8)) == null) {
                putObject(json, family); // the first manifest of a workload: its family's dictionary
            }
            captures.put(txn, id, encode(txn, json, family, null));
            return hex(id);
        }

        public void commit() {
            CaptureStore.this.commit(txn);
        }

        @Override
        public void close() {
            txn.close();
        }
    }

    private static final byte[] NO_DICT = new byte[32];

    /**
     * A stored value: the digest of the dictionary object it was deflated against (zeros: none), then
     * the deflated bytes. The first object of a family is stored without one and becomes the
     * family's dictionary ({@code digest} given: it is that object).
     */
    private byte[] encode(Txn<ByteBuffer> txn, byte[] data, String family, byte[] digest) {
        byte[] dictDigest = null;
        if (family != null) {
            byte[] key = family.getBytes(StandardCharsets.UTF_8);
            dictDigest = dicts.get(txn, key);
            if (dictDigest == null && digest != null) {
                dicts.put(txn, key, digest);
            }
        }
        byte[] dict = null;
        if (dictDigest != null) {
            try {
                dict = decode(txn, objects.get(txn, dictDigest));
            } catch (CaptureStoreException e) {
                dict = null;
            }
        }
        byte[] folded = LineFold.fold(data);
        byte[] z = folded == null ? deflate(data, dict) : deflate(folded, foldedDict(dict));
        int at = folded == null ? 32 : 33;
        byte[] out = new byte[at + z.length];
        System.arraycopy(dict == null ? NO_DICT : dictDigest, 0, out, 0, 32);
        if (folded != null) {
            out[32] = FOLDED;
        }
        System.arraycopy(z, 0, out, at, z.length);
        return out;
    }

    /**
     * Marks a value whose content was {@linkplain LineFold folded} before deflating (against the
     * folded dictionary). A zlib stream's first byte has 8 in its low nibble, so it is never this.
     */
    private static final byte FOLDED = 1;

    /** @return the dictionary a folded content is deflated against: the dictionary folded, if it folds */
    private static byte[] foldedDict(byte[] dict) {
        byte[] f = dict == null ? null : LineFold.fold(dict);
        return f == null ? dict : f;
    }

    /** The content of a stored value ({@link #encode}). */
    private byte[] decode(Txn<ByteBuffer> txn, byte[] v) throws CaptureStoreException {
        if (v == null || v.length < 32) {
            throw new CaptureStoreException(dir + ": a stored value is damaged");
        }
        byte[] dictDigest = java.util.Arrays.copyOf(v, 32);
        boolean folded = v.length > 32 && v[32] == FOLDED;
        byte[] z = java.util.Arrays.copyOfRange(v, folded ? 33 : 32, v.length);
        byte[] dict = null;
        if (!java.util.Arrays.equals(dictDigest, NO_DICT)) {
            byte[] d = objects.get(txn, dictDigest);
            if (d == null || d.length < 32 || !java.util.Arrays.equals(java.util.Arrays.copyOf(d, 32), NO_DICT)) {
                throw new CaptureStoreException(dir + ": dictionary " + hex(dictDigest) + " is missing or damaged");
            }
            dict = decode(txn, d);
        }
        return folded ? LineFold.unfold(inflate(z, foldedDict(dict))) : inflate(z, dict);
    }

    /** @return a new write batch; commit it, then close it */
    public Batch batch() {
        return new Batch();
    }

    /** @return the bytes of a stored block (zeros for the zero digest) */
    public byte[] block(byte[] digest) throws CaptureStoreException {
        if (java.util.Arrays.equals(digest, ZERO_BLOCK_DIGEST)) {
            return new byte[BLOCK];
        }
        try (Txn<ByteBuffer> txn = read()) {
            byte[] v = blocks.get(txn, digest);
            if (v == null) {
                throw new CaptureStoreException(dir + ": block " + hex(digest) + " is missing from the store");
            }
            return verified("block", digest, inflate(v));
        }
    }

    /** @return a stored object */
    public byte[] object(String digestHex) throws CaptureStoreException {
        try (Txn<ByteBuffer> txn = read()) {
            byte[] v = objects.get(txn, unhex(digestHex));
            if (v == null) {
                throw new CaptureStoreException(dir + ": object " + digestHex + " is missing from the store");
            }
            return verified("object", unhex(digestHex), decode(txn, v));
        }
    }

    /**
     * @return {@code content}, read under {@code digest}, if it has that digest (LMDB checks no page's
     *         content: a damaged value is found here)
     */
    private byte[] verified(String what, byte[] digest, byte[] content) throws CaptureStoreException {
        if (!java.util.Arrays.equals(sha256(content), digest)) {
            throw new CaptureStoreException(dir + ": the capture store is damaged (" + what + " " + hex(digest)
                    + " does not have its digest)");
        }
        return content;
    }

    /** @return a stored text object */
    public String text(String digestHex) throws CaptureStoreException {
        return new String(object(digestHex), StandardCharsets.UTF_8);
    }

    /** A capture as listed: its id and manifest. */
    public record Stored(String id, Manifest manifest) {
        /** @return the short id shown to users (8 hex digits, like git's) */
        public String shortId() {
            return id.substring(0, 8);
        }
    }

    /** A manifest's capture time, in its JSON: all its id leaves out. */
    private static final java.util.regex.Pattern CAPTURE_TIME = java.util.regex.Pattern.compile("\"capturedAtMs\":-?\\d+");

    /** @return every capture, ordered by capture time, then id */
    public List<Stored> list() throws CaptureStoreException {
        List<Stored> out = new ArrayList<>();
        try (Txn<ByteBuffer> txn = read()) {
            for (Table.Entry kv : captures.all(txn)) {
                String json = new String(decode(txn, kv.val()), StandardCharsets.UTF_8);
                // the id is the digest of the JSON as stored but for the capture time (Manifest.idJson)
                verified("capture", kv.key(), CAPTURE_TIME.matcher(json).replaceFirst("\"capturedAtMs\":0")
                        .getBytes(StandardCharsets.UTF_8));
                out.add(new Stored(hex(kv.key()), Manifest.fromJson(json)));
            }
        }
        out.sort(java.util.Comparator.comparingLong((Stored s) -> s.manifest().capturedAtMs()).thenComparing(Stored::id));
        return out;
    }

    /**
     * The capture whose id starts with {@code prefix} (at least 4 hex digits).
     *
     * @throws CaptureStoreException none, or more than one
     */
    public Stored find(String prefix) throws CaptureStoreException {
        String p = prefix.toLowerCase(java.util.Locale.ROOT);
        if (p.length() < 4 || !p.matches("[0-9a-f]+")) {
            throw new CaptureStoreException("'" + prefix + "': a capture id is 4 to 64 hex digits (see 'faultline captures')");
        }
        List<Stored> hits = list().stream().filter(s -> s.id().startsWith(p)).toList();
        if (hits.isEmpty()) {
            throw new CaptureStoreException("no capture " + prefix + " in " + dir + " (see 'faultline captures')");
        }
        if (hits.size() > 1) {
            throw new CaptureStoreException("capture id " + prefix + " is ambiguous: "
                    + hits.stream().map(Stored::shortId).toList() + "; give more digits");
        }
        return hits.get(0);
    }

    /** Removes a capture's manifest (its blocks and objects stay until {@code gc}). */
    public void remove(String id) {
        try (Txn<ByteBuffer> txn = write()) {
            captures.delete(txn, unhex(id));
            commit(txn);
        }
    }

    /**
     * Removes the blocks and objects no capture references any more ({@code captures gc}), in one
     * write transaction: a capture committed meanwhile by another process is never left without its
     * content, since LMDB serialises the two.
     *
     * @return blocks and objects removed
     */
    public long gc() throws CaptureStoreException {
        long removed = 0;
        try (Txn<ByteBuffer> txn = write()) {
            java.util.Set<String> liveObjects = new java.util.HashSet<>();
            java.util.Set<String> liveBlocks = new java.util.HashSet<>();
            java.util.Set<String> liveWorkloads = new java.util.HashSet<>();
            for (Table.Entry kv : captures.all(txn)) {
                Manifest m = Manifest.fromJson(new String(decode(txn, kv.val()), StandardCharsets.UTF_8));
                liveWorkloads.add(m.workload());
                for (String o : new String[] {m.workload(), m.report(), m.log(), m.baseMap(), m.finalMap(), m.writeLog()}) {
                    if (o != null) {
                        liveObjects.add(o);
                    }
                }
                for (String map : m.finalMap() == null ? new String[] {m.baseMap()} : new String[] {m.baseMap(), m.finalMap()}) {
                    byte[] raw = objects.get(txn, unhex(map));
                    if (raw == null) {
                        continue; // a capture missing its map keeps what it has; gc never fails on it
                    }
                    for (byte[] d : CapturedDisk.mapDigests(decode(txn, raw), map)) {
                        liveBlocks.add(hex(d));
                    }
                }
                byte[] wlog = objects.get(txn, unhex(m.writeLog()));
                if (wlog != null) {
                    for (CapturedDisk.Write w : CapturedDisk.writeLog(decode(txn, wlog), m.writeLog())) {
                        w.pieces().forEach(d -> liveBlocks.add(hex(d)));
                    }
                }
            }
            // a live workload's dictionaries stay (its objects were deflated against them); a dead one's go
            List<byte[]> deadFamilies = new ArrayList<>();
            for (Table.Entry kv : dicts.all(txn)) {
                String family = new String(kv.key(), StandardCharsets.UTF_8);
                if (family.indexOf('/') < 0) {
                    throw new CaptureStoreException(dir + ": the capture store is damaged (dictionary family '" + family
                            + "' has no kind)");
                }
                if (liveWorkloads.contains(family.substring(0, family.indexOf('/')))) {
                    liveObjects.add(hex(kv.val()));
                } else {
                    deadFamilies.add(kv.key());
                }
            }
            for (byte[] k : deadFamilies) {
                dicts.delete(txn, k);
            }
            removed += sweep(txn, objects, liveObjects);
            removed += sweep(txn, blocks, liveBlocks);
            commit(txn);
        }
        return removed;
    }

    private static long sweep(Txn<ByteBuffer> txn, Table db, java.util.Set<String> live) {
        List<byte[]> dead = new ArrayList<>();
        for (byte[] k : db.keys(txn)) {
            if (!live.contains(hex(k))) {
                dead.add(k);
            }
        }
        for (byte[] k : dead) {
            db.delete(txn, k);
        }
        return dead.size();
    }

    /** @return the size of the store's data file, in bytes */
    public long bytes() throws IOException {
        return Files.size(dir.resolve("data.mdb"));
    }

    @Override
    public void close() {
        env.close();
    }

    /**
     * LMDB's error on a damaged store (a page of the wrong type or out of the file, a bad record) or on
     * one it cannot grow: the one line the user sees, exit 2 (an {@link IOException}, unchecked here
     * because a batch's puts are). LMDB keeps no page checksums: the pages it trusts are checked before
     * it opens the store ({@link LmdbCheck}); a damaged value is found by its digest ({@link #verified}).
     */
    private java.io.UncheckedIOException damaged(LmdbException e) {
        return new java.io.UncheckedIOException(new CaptureStoreException(
                dir + ": the capture store is damaged or cannot be used (LMDB: " + e.getMessage() + ")", e));
    }

    private Txn<ByteBuffer> read() {
        try {
            return env.txnRead();
        } catch (LmdbException e) {
            throw damaged(e);
        }
    }

    private Txn<ByteBuffer> write() {
        try {
            return env.txnWrite();
        } catch (LmdbException e) {
            throw damaged(e);
        }
    }

    private void commit(Txn<ByteBuffer> txn) {
        try {
            txn.commit();
        } catch (LmdbException e) {
            throw damaged(e);
        }
    }

    /**
     * One LMDB database seen as byte arrays: each key and value is copied into a direct buffer that
     * stays reachable until LMDB has returned, and each value read is copied out before the
     * transaction moves on (LMDB's own pointer is valid only until then).
     */
    private final class Table {
        private final org.lmdbjava.Dbi<ByteBuffer> dbi;

        Table(org.lmdbjava.Dbi<ByteBuffer> dbi) {
            this.dbi = dbi;
        }

        /** A key and its value, copied out. */
        record Entry(byte[] key, byte[] val) {
        }

        private ByteBuffer direct(byte[] b) {
            ByteBuffer d = ByteBuffer.allocateDirect(b.length);
            d.put(b).flip();
            return d;
        }

        private byte[] copy(ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }

        /** @return the value of {@code key}, or null */
        byte[] get(Txn<ByteBuffer> txn, byte[] key) {
            ByteBuffer k = direct(key);
            try {
                ByteBuffer v = dbi.get(txn, k);
                return v == null ? null : copy(v);
            } catch (LmdbException e) {
                throw damaged(e);
            } finally {
                java.lang.ref.Reference.reachabilityFence(k);
            }
        }

        void put(Txn<ByteBuffer> txn, byte[] key, byte[] val) {
            ByteBuffer k = direct(key);
            ByteBuffer v = direct(val);
            try {
                dbi.put(txn, k, v);
            } catch (LmdbException e) {
                throw damaged(e);
            } finally {
                java.lang.ref.Reference.reachabilityFence(k);
                java.lang.ref.Reference.reachabilityFence(v);
            }
        }

        void delete(Txn<ByteBuffer> txn, byte[] key) {
            ByteBuffer k = direct(key);
            try {
                dbi.delete(txn, k);
            } catch (LmdbException e) {
                throw damaged(e);
            } finally {
                java.lang.ref.Reference.reachabilityFence(k);
            }
        }

        long entries(Txn<ByteBuffer> txn) {
            try {
                return dbi.stat(txn).entries;
            } catch (LmdbException e) {
                throw damaged(e);
            }
        }

        /** @return every entry, in key order */
        List<Entry> all(Txn<ByteBuffer> txn) {
            List<Entry> out = new ArrayList<>();
            try (org.lmdbjava.CursorIterable<ByteBuffer> it = dbi.iterate(txn)) {
                for (org.lmdbjava.CursorIterable.KeyVal<ByteBuffer> kv : it) {
                    out.add(new Entry(copy(kv.key()), copy(kv.val())));
                }
            } catch (LmdbException e) {
                throw damaged(e);
            }
            return out;
        }

        /** @return every key, in order */
        List<byte[]> keys(Txn<ByteBuffer> txn) {
            List<byte[]> out = new ArrayList<>();
            try (org.lmdbjava.CursorIterable<ByteBuffer> it = dbi.iterate(txn)) {
                for (org.lmdbjava.CursorIterable.KeyVal<ByteBuffer> kv : it) {
                    out.add(copy(kv.key()));
                }
            } catch (LmdbException e) {
                throw damaged(e);
            }
            return out;
        }
    }
}
