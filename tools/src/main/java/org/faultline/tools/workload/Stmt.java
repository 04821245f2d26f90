package org.faultline.tools.workload;

import java.util.List;
import java.util.Set;

/**
 * One parsed statement of a task: its 1-based source line and its text (the source line without
 * comment, whitespace collapsed), as traces and reports print them. See docs/workloads.md for the
 * semantics of each.
 */
public sealed interface Stmt {
    int line();

    String text();

    /** A path with {@code $var} references to loop variables. */
    record PathT(String raw) {
        String eval(Expr.Env env) {
            if (raw.indexOf('$') < 0) {
                return raw;
            }
            StringBuilder sb = new StringBuilder();
            int i = 0;
            while (i < raw.length()) {
                char c = raw.charAt(i);
                if (c == '$') {
                    int j = i + 1;
                    while (j < raw.length() && Expr.isNameChar(raw.charAt(j), j == i + 1)) {
                        j++;
                    }
                    sb.append(env.lookup(raw.substring(i + 1, j)));
                    i = j;
                } else {
                    sb.append(c);
                    i++;
                }
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return raw;
        }
    }

    /** {@code MAP+OFFSET}: a place in a mapping. */
    record MapRef(String map, Expr off) {
    }

    /** What a write or store puts there. */
    sealed interface Pattern {
    }

    /** {@code seed=N}: bytes that depend on (N, position); see docs/workloads.md. */
    record Seeded(Expr seed) implements Pattern {
    }

    /** {@code byte=B} or {@code zero}: every byte B. */
    record Fill(Expr value) implements Pattern {
    }

    /**
     * {@code data=OFFSET}: the bytes of the workload's data file ({@code set data FILE}) from OFFSET on,
     * as a recording kept them ({@code faultline mount --record-data}).
     */
    record Recorded(Expr offset) implements Pattern {
    }

    record Open(int line, String text, String handle, PathT path, int flags) implements Stmt {
    }

    record Close(int line, String text, String handle) implements Stmt {
    }

    /** {@code into} is null for a read into a kernel buffer. */
    record Read(int line, String text, String handle, Expr off, Expr len, MapRef into) implements Stmt {
    }

    /** Exactly one of {@code pattern} and {@code from} is non-null; {@code unchecked}: write-unchecked. */
    record Write(int line, String text, String handle, Expr off, Expr len, Pattern pattern, MapRef from,
                 boolean unchecked) implements Stmt {
    }

    record Fsync(int line, String text, String handle, boolean datasync) implements Stmt {
    }

    record Sync(int line, String text) implements Stmt {
    }

    /** {@code link FROM TO}: a hard link. */
    record Link(int line, String text, PathT from, PathT to) implements Stmt {
    }

    /** {@code symlink TARGET PATH}: a symbolic link at PATH holding TARGET (any text, taken as written). */
    record Symlink(int line, String text, String target, PathT path) implements Stmt {
    }

    /** {@code chmod PATH MODE}: the permission bits, octal. */
    record Chmod(int line, String text, PathT path, int mode) implements Stmt {
    }

    /** {@code chown PATH UID GID}: the owner and group; -1 leaves one as it is. */
    record Chown(int line, String text, PathT path, int uid, int gid) implements Stmt {
    }

    /**
     * {@code setxattr PATH NAME LEN [PATTERN] [create|replace]}: extended attribute NAME of PATH (followed)
     * set to LEN bytes of PATTERN, made as a write at offset 0 makes them; {@code flags} XATTR_CREATE (1)
     * or XATTR_REPLACE (2), 0 for neither.
     */
    record Setxattr(int line, String text, PathT path, String name, Expr len, Pattern pattern, int flags) implements Stmt {
    }

    /** {@code getxattr PATH NAME}: the value's length (the result) and its bytes (the data compared). */
    record Getxattr(int line, String text, PathT path, String name) implements Stmt {
    }

    /** {@code removexattr PATH NAME}. */
    record Removexattr(int line, String text, PathT path, String name) implements Stmt {
    }

    /** {@code measure}: what comes after it in this task is what a benchmark measures. */
    record Measure(int line, String text) implements Stmt {
    }

    record Truncate(int line, String text, String handle, Expr len) implements Stmt {
    }

    /** {@code mode}: Syscalls.FALLOC_FL_* bits. */
    record Fallocate(int line, String text, String handle, Expr off, Expr len, int mode) implements Stmt {
    }

    record Mmap(int line, String text, String map, String handle, Expr off, Expr len, boolean shared,
                boolean writable) implements Stmt {
    }

    record Anon(int line, String text, String map, Expr len, boolean touch) implements Stmt {
    }

    record Store(int line, String text, String map, Expr off, Expr len, Pattern pattern) implements Stmt {
    }

    record Load(int line, String text, String map, Expr off, Expr len) implements Stmt {
    }

    record Msync(int line, String text, String map, boolean sync) implements Stmt {
    }

    record Munmap(int line, String text, String map) implements Stmt {
    }

    /** mkdir, rmdir, unlink. */
    record PathOp(int line, String text, String op, PathT path) implements Stmt {
    }

    record Rename(int line, String text, PathT from, PathT to) implements Stmt {
    }

    /** {@code size} and {@code dir} are null when not checked. */
    record Stat(int line, String text, PathT path, Expr size, Boolean dir) implements Stmt {
    }

    record Sleep(int line, String text, Expr ms) implements Stmt {
    }

    record Yield(int line, String text) implements Stmt {
    }

    record Barrier(int line, String text, String name) implements Stmt {
    }

    record Loop(int line, String text, Expr count, String var, List<Stmt> body) implements Stmt {
    }

    /** {@code errnos}: positive errno values accepted; {@code okAllowed}: success is accepted too. */
    record ExpectError(int line, String text, Stmt inner, Set<Integer> errnos, boolean okAllowed) implements Stmt {
    }

    record Log(int line, String text, String message) implements Stmt {
    }

    record DropCaches(int line, String text) implements Stmt {
    }
}
