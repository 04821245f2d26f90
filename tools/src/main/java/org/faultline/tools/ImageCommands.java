package org.faultline.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.fs.DirEntry;
import org.faultline.fs.File;
import org.faultline.fs.Inode;
import org.faultline.fs.Kstat;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.Errno;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Image tools in the manner of e2tools ({@code e2ls}, {@code e2cp}, {@code e2mkdir}, {@code e2rm}):
 * each is one boot of the emulated kernel ({@link ImageSession}) doing real system calls on the
 * mounted image, so copying a file in goes through {@code ext4_da_write_begin}, the flusher,
 * {@code ext4_writepages} and the block layer, and copying it out through readahead and
 * {@code ext4_mpage_readpages}.
 */
final class ImageCommands {
    /** Bytes per read(2)/write(2) the tools issue, as cp(1) does with its 128 KiB..1 MiB buffers. */
    static final int CHUNK = 1 << 20;

    private ImageCommands() {
    }

    /** Options every image tool has. */
    abstract static class Tool implements Callable<Integer> {
        @ParentCommand
        Faultline root;

        @Spec
        CommandSpec spec;

        @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "64M", converter = Sizes.Converter.class,
                description = "Memory of the emulated machine. Default: ${DEFAULT-VALUE}.")
        long ram;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** The one image all {@code operands} name; mixing images is a usage error. */
        static Path sameImage(List<ImageSession.Operand> operands) {
            Path img = operands.get(0).image();
            for (ImageSession.Operand o : operands) {
                if (!o.image().equals(img)) {
                    throw new CliError("all operands must name the same image (" + img + " and " + o.image() + ")");
                }
            }
            return img;
        }

        static List<ImageSession.Operand> parseAll(List<String> args) {
            List<ImageSession.Operand> ops = new ArrayList<>();
            for (String a : args) {
                ops.add(ImageSession.Operand.parse(a));
            }
            return ops;
        }

        int session(Path image, boolean write, java.util.function.Consumer<ImageSession.Ctx> body) {
            return ImageSession.run(spec.name(), image, write, ram, out(), spec.commandLine().getErr(), body);
        }
    }

    /** A tool taking one or more {@code IMAGE:/PATH} operands on one image, handled in turn in one boot. */
    abstract static class PathTool extends Tool {
        @Parameters(arity = "1..*", paramLabel = "IMAGE:/PATH")
        List<String> operands;

        /** Mount read-write. */
        abstract boolean writes();

        /** Handles one operand inside the booted kernel; {@code many} if there are several. */
        abstract void each(ImageSession.Ctx ctx, ImageSession.Operand o, boolean many);

        /** Refuses operands before booting (usage errors). */
        void check(ImageSession.Operand o) {
        }

        @Override
        public Integer call() {
            List<ImageSession.Operand> ops = parseAll(operands);
            ops.forEach(this::check);
            out().flush();
            return session(sameImage(ops), writes(), ctx -> ops.forEach(o -> each(ctx, o, ops.size() > 1)));
        }
    }

    // ---------------------------------------------------------------- ls

    @Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
            description = "List a directory in an image (readdir(2) and stat(2) in a booted kernel, mounted read-only).")
    static final class Ls extends PathTool {
        @Option(names = "-l", description = "Long listing: mode, links, inode, size, name (a symbolic link as NAME -> TARGET).")
        boolean longList;

        @Option(names = "-a", description = "Include '.' and '..'.")
        boolean all;

        @Override
        boolean writes() {
            return false;
        }

        @Override
        void each(ImageSession.Ctx ctx, ImageSession.Operand o, boolean many) {
            PrintWriter out = out();
            // ls(1): with -l a symbolic link operand is shown, not followed; without, followed
            Kstat s = longList ? lstat(ctx, o.path(), "cannot access") : stat(ctx, o.path(), "cannot access");
            if (s == null) {
                return;
            }
            if (!s.isDir()) {
                print(ctx, out, o.path(), o.path(), s);
                return;
            }
            if (many) {
                out.println(o.path() + ":");
            }
            List<String> names = new ArrayList<>();
            if (all) { // getdents64(2) returns "." and ".." first (dir_emit_dots); the VFS's readdir leaves them out
                names.add(".");
                names.add("..");
            }
            List<DirEntry> entries = new ArrayList<>();
            int ret = Syscalls.readdir(o.path(), entries);
            if (ret < 0) {
                ctx.fail("cannot open directory '" + o.path() + "'", ret);
                return;
            }
            for (DirEntry e : entries) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    names.add(e.name());
                }
            }
            for (String name : names) {
                if (!longList) {
                    out.println(name);
                    continue;
                }
                String p = o.path().endsWith("/") ? o.path() + name : o.path() + "/" + name;
                Kstat es = lstat(ctx, p, "cannot access");
                if (es != null) {
                    print(ctx, out, p, name, es);
                }
            }
        }

        private void print(ImageSession.Ctx ctx, PrintWriter out, String path, String name, Kstat st) {
            if (longList) {
                out.printf(Locale.ROOT, "%s %3d %8d %12d %s%s%n", modeString(st.mode()), st.nlink(), st.ino(), st.size(),
                        name, linkSuffix(ctx, path, st));
            } else {
                out.println(name);
            }
        }
    }

    /** {@code " -> target"} for a symbolic link (readlink(2)), as ls -l and stat print it; else "". */
    static String linkSuffix(ImageSession.Ctx ctx, String path, Kstat st) {
        if ((st.mode() & Inode.S_IFMT) != Inode.S_IFLNK) {
            return "";
        }
        String[] target = new String[1];
        int ret = Syscalls.readlink(path, target);
        if (ret < 0) {
            ctx.fail("cannot read symbolic link '" + path + "'", ret);
            return "";
        }
        return " -> " + target[0];
    }

    /** lstat(2) of {@code path}, or null after reporting {@code what 'path': strerror}. */
    static Kstat lstat(ImageSession.Ctx ctx, String path, String what) {
        Kstat[] st = new Kstat[1];
        int ret = Syscalls.lstat(path, st);
        if (ret < 0) {
            ctx.fail(what + " '" + path + "'", ret);
            return null;
        }
        return st[0];
    }

    /** stat(2) of {@code path}, or null after reporting {@code what 'path': strerror}. */
    static Kstat stat(ImageSession.Ctx ctx, String path, String what) {
        Kstat[] st = new Kstat[1];
        int ret = Syscalls.stat(path, st);
        if (ret < 0) {
            ctx.fail(what + " '" + path + "'", ret);
            return null;
        }
        return st[0];
    }

    /** File type bits of {@code st_mode} (include/uapi/linux/stat.h) the VFS has no constant for. */
    static final int S_IFSOCK = 0140000;
    static final int S_IFBLK = 0060000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_ISVTX = 01000;

    /**
     * {@code drwxr-xr-x}, as ls -l prints a mode: the type letter ({@code - d l p s c b}, {@code ?}
     * for none of them), then rwx for owner, group and others, where setuid, setgid and sticky show
     * as {@code s}/{@code S} and {@code t}/{@code T} (upper case when the x bit under it is clear).
     */
    static String modeString(int mode) {
        StringBuilder b = new StringBuilder(10);
        b.append(switch (mode & Inode.S_IFMT) {
            case Inode.S_IFREG -> '-';
            case Inode.S_IFDIR -> 'd';
            case Inode.S_IFLNK -> 'l';
            case S_IFIFO -> 'p';
            case S_IFSOCK -> 's';
            case S_IFCHR -> 'c';
            case S_IFBLK -> 'b';
            default -> '?';
        });
        String rwx = "rwxrwxrwx";
        int[] special = {S_ISUID, S_ISGID, S_ISVTX};
        for (int i = 0; i < 9; i++) {
            boolean set = (mode & (0400 >> i)) != 0;
            char c = set ? rwx.charAt(i) : '-';
            if (i % 3 == 2 && (mode & special[i / 3]) != 0) {
                char sc = i == 8 ? 't' : 's';
                c = set ? sc : Character.toUpperCase(sc);
            }
            b.append(c);
        }
        return b.toString();
    }

    /** The file type as stat(1) names it ({@code %F}). */
    static String fileType(Kstat s) {
        return switch (s.mode() & Inode.S_IFMT) {
            case Inode.S_IFREG -> s.size() == 0 ? "regular empty file" : "regular file";
            case Inode.S_IFDIR -> "directory";
            case Inode.S_IFLNK -> "symbolic link";
            case S_IFIFO -> "fifo";
            case S_IFSOCK -> "socket";
            case S_IFCHR -> "character special file";
            case S_IFBLK -> "block special file";
            default -> "weird file";
        };
    }

    // ---------------------------------------------------------------- stat

    @Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"lstat(2) paths in an image, printed as stat(1) does (booted kernel, mounted read-only).",
                "As stat(1) without -L, a symbolic link is described itself, not followed."})
    static final class Stat extends PathTool {
        @Override
        boolean writes() {
            return false;
        }

        @Override
        void each(ImageSession.Ctx ctx, ImageSession.Operand o, boolean many) {
            PrintWriter out = out();
            Kstat s = lstat(ctx, o.path(), "cannot statx"); // stat(1) without -L does not follow a link
            if (s == null) {
                return;
            }
            out.printf(Locale.ROOT, "  File: %s%s%n", o.path(), linkSuffix(ctx, o.path(), s));
            out.printf(Locale.ROOT, "  Size: %-15d Blocks: %-10d IO Block: 4096   %s%n", s.size(), s.blocks(),
                    fileType(s));
            out.printf(Locale.ROOT, "Device: sda\tInode: %-11d Links: %d%n", s.ino(), s.nlink());
            out.printf(Locale.ROOT, "Access: (%04o/%s)%n", s.mode() & 07777, modeString(s.mode()));
        }
    }

    // ---------------------------------------------------------------- cat

    @Command(name = "cat", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Write files from an image to standard output (read(2) in a booted kernel, mounted read-only).")
    static final class Cat extends PathTool {
        @Override
        boolean writes() {
            return false;
        }

        @Override
        void each(ImageSession.Ctx ctx, ImageSession.Operand o, boolean many) {
            PrintStream raw = root.stdout();
            int fd = Syscalls.open(o.path(), File.O_RDONLY, 0);
            if (fd < 0) {
                ctx.fail(o.path(), fd);
                return;
            }
            byte[] buf = new byte[CHUNK];
            for (;;) {
                long n = Syscalls.read(fd, buf, 0, buf.length);
                if (n < 0) {
                    ctx.fail(o.path(), n);
                    break;
                }
                if (n == 0) {
                    break;
                }
                raw.write(buf, 0, (int) n);
                if (raw.checkError()) {
                    break; // standard output failed: Faultline.run reports it once
                }
            }
            raw.flush();
            Syscalls.close(fd);
        }
    }

    // ---------------------------------------------------------------- mkdir

    @Command(name = "mkdir", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Make directories in an image (mkdir(2) in a booted kernel).")
    static final class Mkdir extends PathTool {
        @Option(names = "-p", description = "Make parent directories as needed; no error if a directory exists.")
        boolean parents;

        @Override
        boolean writes() {
            return true;
        }

        @Override
        void each(ImageSession.Ctx ctx, ImageSession.Operand o, boolean many) {
            if (parents) {
                mkdirParents(ctx, o.path());
                return;
            }
            int ret = Syscalls.mkdir(o.path(), 0755);
            if (ret < 0) {
                ctx.fail("cannot create directory '" + o.path() + "'", ret);
            }
        }

        private static void mkdirParents(ImageSession.Ctx ctx, String path) {
            StringBuilder p = new StringBuilder();
            for (String c : path.split("/")) {
                if (c.isEmpty()) {
                    continue;
                }
                p.append('/').append(c);
                int ret = Syscalls.mkdir(p.toString(), 0755);
                if (ret == -Errno.EEXIST) {
                    Kstat[] st = new Kstat[1];
                    if (Syscalls.stat(p.toString(), st) == 0 && st[0].isDir()) {
                        continue;
                    }
                }
                if (ret < 0) {
                    ctx.fail("cannot create directory '" + p + "'", ret);
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------- rm

    @Command(name = "rm", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Remove files (unlink(2)) or, with -r, directory trees (rmdir(2)) in an image.")
    static final class Rm extends PathTool {
        @Option(names = {"-r", "-R"}, description = "Remove directories and their contents.")
        boolean recursive;

        @Option(names = "-f", description = "Ignore paths that do not exist.")
        boolean force;

        @Override
        boolean writes() {
            return true;
        }

        @Override
        void check(ImageSession.Operand o) {
            if (o.path().replaceAll("/+", "/").equals("/")) {
                throw new CliError("refusing to remove '/' of " + o.image());
            }
        }

        @Override
        void each(ImageSession.Ctx ctx, ImageSession.Operand o, boolean many) {
            remove(ctx, o.path(), new java.util.HashSet<>());
        }

        /** {@code ancestors}: inode numbers of the directories being removed above {@code path} (fts's cycle check). */
        private void remove(ImageSession.Ctx ctx, String path, java.util.Set<Long> ancestors) {
            Kstat[] st = new Kstat[1];
            int ret = Syscalls.lstat(path, st); // a symbolic link is removed itself, never what it points to
            if (ret < 0) {
                if (!(force && ret == -Errno.ENOENT)) {
                    ctx.fail("cannot remove '" + path + "'", ret);
                }
                return;
            }
            if (st[0].isDir() && recursive && !ancestors.add(st[0].ino())) {
                // a directory inside itself: only a corrupt filesystem has one (rm(1) says the same)
                ctx.fail("WARNING: Circular directory structure. This almost certainly means that you have a "
                        + "corrupted file system. The following directory is part of the cycle: '" + path + "'");
                return;
            }
            if (!st[0].isDir()) {
                ret = Syscalls.unlink(path);
            } else if (!recursive) {
                ret = -Errno.EISDIR;
            } else {
                List<DirEntry> entries = new ArrayList<>();
                ret = Syscalls.readdir(path, entries);
                for (DirEntry e : entries) {
                    if (ret == 0 && !e.name().equals(".") && !e.name().equals("..")) {
                        remove(ctx, path + "/" + e.name(), ancestors);
                    }
                }
                ancestors.remove(st[0].ino());
                if (ret == 0) {
                    ret = Syscalls.rmdir(path);
                }
            }
            if (ret < 0) {
                ctx.fail("cannot remove '" + path + "'", ret);
            }
        }
    }

    // ---------------------------------------------------------------- cp

    @Command(name = "cp", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Copy a file into or out of an image, through a booted kernel's system calls.",
                "Into an image: runs of zero blocks are left as holes (cp --sparse=auto), the file is fsync'ed.",
                "Out of an image: the host file named (or DIR/NAME) is created or truncated; nothing else is written.",
                "'-' is standard input as the source (cp - IMAGE:/path reads it to its end into the file) or",
                "standard output as the destination (cp IMAGE:/path - writes the file's bytes), as e2cp reads it."})
    static final class Cp extends Tool {
        @Parameters(arity = "2..*", paramLabel = "SRC... DST",
                description = "HOST_FILE... IMAGE:/PATH, or IMAGE:/PATH... HOST_PATH; with several sources DST is a "
                        + "directory; '-' is standard input (as SRC) or standard output (as DST)")
        List<String> args;

        @Override
        public Integer call() {
            List<String> srcs = args.subList(0, args.size() - 1);
            String dst = args.get(args.size() - 1);
            boolean in = ImageSession.Operand.is(dst);
            for (String s : srcs) {
                if (ImageSession.Operand.is(s) == in) {
                    throw new CliError("exactly one side must be IMAGE:/path: sources on the host and DST in an image, "
                            + "or the reverse (got " + s + " and " + dst + ")");
                }
            }
            if (in) {
                if (srcs.contains(STDIO)) {
                    if (srcs.size() > 1) {
                        throw new CliError("'-' (standard input) must be the only source: cp - IMAGE:/path");
                    }
                    return copyInStdin(ImageSession.Operand.parse(dst));
                }
                List<Path> hosts = srcs.stream().map(Path::of).toList();
                return copyIn(hosts, ImageSession.Operand.parse(dst));
            }
            List<ImageSession.Operand> from = parseAll(srcs);
            if (dst.equals(STDIO)) {
                return copyOutStdout(from);
            }
            Path host = Path.of(dst);
            if (from.size() > 1 && !Files.isDirectory(host)) {
                throw new CliError("target '" + dst + "' is not a directory");
            }
            return copyOut(from, host);
        }

        /** The operand that means standard input (as a source) or standard output (as the destination). */
        static final String STDIO = "-";

        /** Where copyInBody reads: {@code buf.length} bytes at {@code pos} or up to the end; 0 at the end. */
        private interface Source {
            int read(byte[] buf, long pos) throws IOException;
        }

        /** cp - IMAGE:/path: standard input, read to its end, into one file of the image. */
        private int copyInStdin(ImageSession.Operand to) {
            java.io.InputStream stdin = root.stdin();
            return session(to.image(), true, ctx -> {
                Kstat[] st = new Kstat[1];
                if (Syscalls.stat(to.path(), st) == 0 && st[0].isDir()) {
                    ctx.fail("cannot copy standard input to directory '" + to.path() + "': name the file to create, "
                            + "e.g. " + to.image() + ":" + (to.path().endsWith("/") ? to.path() : to.path() + "/") + "NAME");
                    return;
                }
                copyInBody(ctx, (buf, pos) -> stdin.readNBytes(buf, 0, buf.length), "standard input", to.path());
            });
        }

        private int copyIn(List<Path> hosts, ImageSession.Operand to) {
            for (Path host : hosts) {
                if (!Files.isRegularFile(host)) {
                    throw new CliError(host + ": " + (Files.exists(host) ? "not a regular file" : "No such file or directory (ENOENT)"));
                }
            }
            boolean many = hosts.size() > 1;
            return session(to.image(), true, ctx -> {
                Kstat[] st = new Kstat[1];
                boolean dir = Syscalls.stat(to.path(), st) == 0 && st[0].isDir();
                if (many && !dir) {
                    ctx.fail("target '" + to.path() + "'", -Errno.ENOTDIR);
                    return;
                }
                for (Path host : hosts) {
                    String name = host.getFileName().toString();
                    String target = dir ? (to.path().endsWith("/") ? to.path() : to.path() + "/") + name : to.path();
                    try (FileChannel ch = FileChannel.open(host, StandardOpenOption.READ)) {
                        copyInBody(ctx, (buf, pos) -> readFully(ch, buf, pos), "'" + host + "'", target);
                    } catch (IOException e) {
                        ctx.fail("cannot open '" + host + "' for reading: " + HostErrors.describe(e));
                    }
                }
            });
        }

        private static void copyInBody(ImageSession.Ctx ctx, Source src, String from, String target) {
            int fd = Syscalls.open(target, File.O_CREAT | File.O_WRONLY | File.O_TRUNC, 0644);
            if (fd < 0) {
                ctx.fail("cannot create '" + target + "'", fd);
                return;
            }
            byte[] buf = new byte[CHUNK];
            long pos = 0;
            try {
                for (;;) {
                    int n = src.read(buf, pos);
                    if (n <= 0) {
                        break;
                    }
                    long ret = writeSparse(fd, buf, n, pos);
                    if (ret < 0) {
                        ctx.fail("write '" + target + "' at " + pos, ret);
                        Syscalls.close(fd);
                        return;
                    }
                    pos += n;
                }
            } catch (IOException e) {
                ctx.fail("error reading " + from + ": " + HostErrors.describe(e));
            }
            long ret = Syscalls.ftruncate(fd, pos); // a trailing hole still sets the size
            if (ret == 0) {
                ret = Syscalls.fsync(fd);
            }
            if (ret < 0) {
                ctx.fail("'" + target + "'", ret);
            }
            Syscalls.close(fd);
        }

        /** Writes the non-zero 4 KiB blocks of {@code buf[0..n)} at {@code pos}; zero blocks stay holes. */
        private static long writeSparse(int fd, byte[] buf, int n, long pos) {
            int i = 0;
            while (i < n) {
                while (i < n && isZeroBlock(buf, i, n)) {
                    i += 4096;
                }
                int start = i;
                while (i < n && !isZeroBlock(buf, i, n)) {
                    i += 4096;
                }
                int end = Math.min(i, n);
                if (end > start) {
                    long ret = Syscalls.pwrite(fd, buf, start, end - start, pos + start);
                    if (ret < 0) {
                        return ret;
                    }
                }
            }
            return 0;
        }

        private static boolean isZeroBlock(byte[] b, int off, int n) {
            for (int j = off, end = Math.min(off + 4096, n); j < end; j++) {
                if (b[j] != 0) {
                    return false;
                }
            }
            return true;
        }

        private static int readFully(FileChannel ch, byte[] buf, long pos) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(buf);
            while (bb.hasRemaining()) {
                int n = ch.read(bb, pos + bb.position());
                if (n < 0) {
                    break;
                }
            }
            return bb.position();
        }

        private int copyOut(List<ImageSession.Operand> from, Path host) {
            List<Path> targets = new ArrayList<>();
            for (ImageSession.Operand o : from) {
                String base = o.path().substring(o.path().lastIndexOf('/') + 1);
                Path target = Files.isDirectory(host) ? host.resolve(base.isEmpty() ? "root" : base) : host;
                try {
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(target, o.image())) {
                        throw new CliError("refusing to copy over the image itself (" + target + ")");
                    }
                } catch (IOException e) {
                    throw new CliError(HostErrors.of(target, e));
                }
                targets.add(target);
            }
            return session(sameImage(from), false, ctx -> {
                for (int i = 0; i < from.size(); i++) {
                    copyOutBody(ctx, from.get(i).path(), targets.get(i));
                }
            });
        }

        /** cp IMAGE:/path... -: each file's bytes to standard output, in turn (as cat does). */
        private int copyOutStdout(List<ImageSession.Operand> from) {
            PrintStream raw = root.stdout();
            out().flush();
            return session(sameImage(from), false, ctx -> {
                for (ImageSession.Operand o : from) {
                    int fd = openForCopyOut(ctx, o.path());
                    if (fd < 0) {
                        continue;
                    }
                    copyOutData(ctx, fd, o.path(), (buf, n, pos) -> {
                        raw.write(buf, 0, n);
                        return !raw.checkError(); // Faultline.run reports a failed standard output once
                    });
                    Syscalls.close(fd);
                }
                raw.flush();
            });
        }

        /** Where copyOutData writes {@code n} bytes read at {@code pos}; false to stop. */
        private interface Sink {
            boolean write(byte[] buf, int n, long pos) throws IOException;
        }

        /** open(2) of an image file to copy out; a negative errno after reporting it (EISDIR for a directory). */
        private static int openForCopyOut(ImageSession.Ctx ctx, String path) {
            int fd = Syscalls.open(path, File.O_RDONLY, 0);
            if (fd < 0) {
                ctx.fail("cannot open '" + path + "'", fd);
                return fd;
            }
            Kstat[] st = new Kstat[1];
            if (Syscalls.fstat(fd, st) == 0 && st[0].isDir()) {
                ctx.fail("'" + path + "'", -Errno.EISDIR);
                Syscalls.close(fd);
                return -Errno.EISDIR;
            }
            return fd;
        }

        private static void copyOutData(ImageSession.Ctx ctx, int fd, String path, Sink sink) throws UncheckedIOException {
            byte[] buf = new byte[CHUNK];
            long pos = 0;
            for (;;) {
                long n = Syscalls.pread(fd, buf, 0, buf.length, pos);
                if (n < 0) {
                    ctx.fail("read '" + path + "' at " + pos, n);
                    return;
                }
                if (n == 0) {
                    return;
                }
                try {
                    if (!sink.write(buf, (int) n, pos)) {
                        return;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                pos += n;
            }
        }

        /** The host file is opened only once the source opened in the image, so a bad source leaves it alone. */
        private static void copyOutBody(ImageSession.Ctx ctx, String path, Path target) {
            int fd = openForCopyOut(ctx, path);
            if (fd < 0) {
                return;
            }
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                try {
                    copyOutData(ctx, fd, path, (buf, n, pos) -> {
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        while (bb.hasRemaining()) {
                            ch.write(bb, pos + bb.position());
                        }
                        return true;
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            } catch (IOException e) {
                ctx.fail("cannot write '" + target + "': " + HostErrors.describe(e));
            }
            Syscalls.close(fd);
        }
    }
}
