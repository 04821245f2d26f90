package org.faultline.tools.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.faultline.fs.ext4.DirEntry;
import org.faultline.fs.ext4.Ext4Stat;
import org.faultline.fs.ext4.Ext4Xattr;
import org.faultline.images.ext4.Ext4Image;

/**
 * What a file system tree holds besides file contents, name by name: each directory, regular file and
 * symbolic link with its type, permission bits (set-user-ID, set-group-ID and sticky included), owner,
 * group, link count, a symbolic link's target as stored, its extended attributes (user., trusted. and
 * security. names and values), and which names are hard links of one inode.
 * Read from an unmounted image by Faultline's offline ext4 reader ({@link #ofImage}) and from the
 * host kernel's mount of an image ({@link #ofMount}, without following symbolic links), so the
 * vs-host check can compare what {@code chmod}, {@code chown}, {@code link} and {@code symlink} left
 * on the two images. The contents of {@code /lost+found} are left out (as the byte comparison leaves
 * them out); the directory itself is compared.
 */
final class TreeMeta {
    private TreeMeta() {
    }

    /**
     * One name.
     *
     * @param type   'd' directory, 'f' regular file, 'l' symbolic link, '?' anything else
     * @param perm   {@code mode & 07777}
     * @param target a symbolic link's target, byte for byte (as ISO-8859-1), else null
     * @param ino    the inode number on its own image: names are compared as hard links by it, never
     *               its value
     */
    record Node(char type, int perm, int uid, int gid, int nlink, String target, long ino,
                java.util.SortedMap<String, byte[]> xattrs) {
        String describe() {
            return String.format(Locale.ROOT, "%s mode %04o uid %d gid %d nlink %d%s", switch (type) {
                case 'd' -> "directory";
                case 'f' -> "file";
                case 'l' -> "symlink";
                default -> "other";
            }, perm, uid & 0xffffffffL, gid & 0xffffffffL, nlink, target == null ? "" : " -> '" + target + "'");
        }
    }

    private static char type(int mode) {
        return switch (mode & 0xF000) {
            case 0x4000 -> 'd';
            case 0x8000 -> 'f';
            case 0xA000 -> 'l';
            default -> '?';
        };
    }

    private static boolean skipped(String path) {
        return path.startsWith("/lost+found/");
    }

    /** Every name on the (unmounted, consistent) image, by path, walked from the root. */
    static Map<String, Node> ofImage(Ext4Image v) throws IOException {
        Map<String, Node> out = new TreeMap<>();
        Deque<String> dirs = new ArrayDeque<>();
        add(v, out, "/", v.lookup("/"));
        dirs.add("/");
        while (!dirs.isEmpty()) {
            String d = dirs.poll();
            for (DirEntry e : v.readdir(out.get(d).ino())) {
                String name = e.nameString();
                if (name.equals(".") || name.equals("..")) {
                    continue;
                }
                String p = d.equals("/") ? "/" + name : d + "/" + name;
                if (skipped(p)) {
                    continue;
                }
                Node n = add(v, out, p, e.ino());
                if (n.type() == 'd') {
                    dirs.add(p);
                }
            }
        }
        return out;
    }

    private static Node add(Ext4Image v, Map<String, Node> out, String p, long ino) throws IOException {
        Ext4Stat st = v.stat(ino);
        char t = type(st.mode());
        String target = t == 'l' ? latin1(v.readlink(ino)) : null;
        Node n = new Node(t, st.mode() & 07777, st.uid(), st.gid(), st.links(), target, ino, xattrs(v, ino));
        out.put(p, n);
        return n;
    }

    /** ext4's name indexes of the attributes compared, by the prefix they are listed with. */
    private static final Map<String, Integer> INDEXES = Map.of("user.", Ext4Xattr.EXT4_XATTR_INDEX_USER,
            "trusted.", Ext4Xattr.EXT4_XATTR_INDEX_TRUSTED, "security.", Ext4Xattr.EXT4_XATTR_INDEX_SECURITY);

    /** Inode {@code ino}'s extended attributes, as ext4_listxattr lists them and ext4_xattr_get reads them. */
    private static java.util.SortedMap<String, byte[]> xattrs(Ext4Image v, long ino) throws IOException {
        Ext4Xattr x = v.volume().xattr();
        Ext4Xattr.Prefixes pf = i -> {
            for (Map.Entry<String, Integer> e : INDEXES.entrySet()) {
                if (e.getValue() == i) {
                    return e.getKey();
                }
            }
            return null;
        };
        byte[] list = new byte[x.ext4Listxattr(ino, null, pf)];
        x.ext4Listxattr(ino, list, pf);
        java.util.SortedMap<String, byte[]> out = new TreeMap<>();
        int start = 0;
        for (int i = 0; i < list.length; i++) {
            if (list[i] == 0) {
                String name = new String(list, start, i - start, java.nio.charset.StandardCharsets.ISO_8859_1);
                start = i + 1;
                int dot = name.indexOf('.') + 1;
                int idx = INDEXES.get(name.substring(0, dot));
                byte[] n = name.substring(dot).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                byte[] val = new byte[x.ext4XattrGet(ino, idx, n, null)];
                x.ext4XattrGet(ino, idx, n, val);
                out.put(name, val);
            }
        }
        return out;
    }

    /** The first difference between two inodes' attributes, or null. */
    static String compareXattrs(java.util.SortedMap<String, byte[]> f, java.util.SortedMap<String, byte[]> h) {
        if (!f.keySet().equals(h.keySet())) {
            return "extended attributes " + f.keySet() + " on Faultline's image, " + h.keySet() + " on the host's";
        }
        for (Map.Entry<String, byte[]> e : f.entrySet()) {
            byte[] a = e.getValue();
            byte[] b = h.get(e.getKey());
            if (a.length != b.length) {
                return e.getKey() + " of " + a.length + " bytes on Faultline's image, " + b.length + " on the host's";
            }
            int i = java.util.Arrays.mismatch(a, b);
            if (i >= 0) {
                return String.format(Locale.ROOT, "%s byte %d: 0x%02x on Faultline's image, 0x%02x on the host's",
                        e.getKey(), i, a[i] & 0xff, b[i] & 0xff);
            }
        }
        return null;
    }

    /** A string as its UTF-8 bytes, one char per byte: targets compare byte for byte. */
    private static String latin1(String s) {
        return new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Every name under the host's mount {@code root}, by path (symbolic links not followed). */
    static Map<String, Node> ofMount(Path root) throws IOException {
        Map<String, Node> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted().toList()) {
                String rel = root.equals(p) ? "/" : "/" + root.relativize(p).toString();
                if (skipped(rel)) {
                    continue;
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,nlink,ino", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                char t = type(mode);
                String target = t == 'l'
                        ? new String(org.faultline.tools.workload.HostInterp.readlink(p), java.nio.charset.StandardCharsets.ISO_8859_1)
                        : null;
                out.put(rel, new Node(t, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
                        (Integer) a.get("nlink"), target, (Long) a.get("ino"), org.faultline.tools.workload.HostInterp.xattrs(p)));
            }
        }
        return out;
    }

    /**
     * The first difference between Faultline's tree {@code f} and the host's {@code h}, one line, or
     * null: a name on one side only, a different type, mode, owner, group, link count or target, or
     * names that are one inode on one side and not on the other.
     */
    static String compare(Map<String, Node> f, Map<String, Node> h) {
        for (String p : f.keySet()) {
            if (!h.containsKey(p)) {
                return p + " (" + f.get(p).describe() + ") is on Faultline's image, not on the host's";
            }
        }
        for (String p : h.keySet()) {
            if (!f.containsKey(p)) {
                return p + " (" + h.get(p).describe() + ") is on the host's image, not on Faultline's";
            }
        }
        for (Map.Entry<String, Node> e : f.entrySet()) {
            Node a = e.getValue();
            Node b = h.get(e.getKey());
            if (a.type() != b.type() || a.perm() != b.perm() || a.uid() != b.uid() || a.gid() != b.gid()
                    || a.nlink() != b.nlink() || !java.util.Objects.equals(a.target(), b.target())) {
                return e.getKey() + ": " + a.describe() + " on Faultline's image, " + b.describe() + " on the host's";
            }
        }
        for (Map.Entry<String, Node> e : f.entrySet()) {
            String d = compareXattrs(e.getValue().xattrs(), h.get(e.getKey()).xattrs());
            if (d != null) {
                return e.getKey() + ": " + d;
            }
        }
        Map<String, List<String>> fl = links(f);
        Map<String, List<String>> hl = links(h);
        for (String p : f.keySet()) {
            if (!fl.get(p).equals(hl.get(p))) {
                return p + ": one inode with " + fl.get(p) + " on Faultline's image, with " + hl.get(p) + " on the host's";
            }
        }
        return null;
    }

    /** For each name, every name of its inode (itself included), sorted. */
    private static Map<String, List<String>> links(Map<String, Node> t) {
        Map<Long, List<String>> byIno = new TreeMap<>();
        for (Map.Entry<String, Node> e : t.entrySet()) {
            byIno.computeIfAbsent(e.getValue().ino(), k -> new ArrayList<>()).add(e.getKey());
        }
        Map<String, List<String>> out = new TreeMap<>();
        for (Map.Entry<String, Node> e : t.entrySet()) {
            out.put(e.getKey(), byIno.get(e.getValue().ino()));
        }
        return out;
    }
}
