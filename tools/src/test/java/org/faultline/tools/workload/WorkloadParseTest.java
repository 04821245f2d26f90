package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.faultline.fs.File;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The workload format: what parses into what, and the exact message of every kind of mistake. */
class WorkloadParseTest {
    private static String error(String text) {
        WorkloadException e = assertThrows(WorkloadException.class, () -> Workload.parse(text.replace('|', '\n'), "t.wl"));
        assertEquals(e.getMessage(), e.file() + (e.line() > 0 ? ":" + e.line() : "") + ": " + e.reason());
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e.getMessage();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "task t|  wirte f 0 1;                        t.wl:2: unknown statement 'wirte'",
        "task t|  open f /a|  write f 12q 4k;         t.wl:3: write: OFFSET: bad number '12q'",
        "task t|  open f /a|  write f 0 4k seed=x;    t.wl:3: write: seed: bad number 'x'",
        "task t|  open f /a|  truncate f (1+2;        t.wl:3: truncate: LENGTH: bad number '(1+2': missing ')'",
        "task t|  read g 0 1;                         t.wl:2: undefined handle 'g' (no 'open g' earlier in task t)",
        "task t|  anon m 4k|  read m 0 1;             t.wl:3: 'm' is a mapping, not a file handle",
        "task t|  open f /a|  load f 0 1;             t.wl:3: 'f' is a file handle, not a mapping",
        "task t|  open f /a|  read f 0 4k into q;     t.wl:3: undefined mapping 'q' (no 'mmap q' or 'anon q' earlier in task t)",
        "task t|  loop 3|    sync;                    t.wl:2: 'loop' without 'end' (task t)",
        "task t|  loop 3|    sync|task u|  sync;      t.wl:2: 'loop' without 'end' (task t)",
        "task t|  end;                                t.wl:2: 'end' without 'loop'",
        "write f 0 1;                                 t.wl:1: 'write' outside a task (start one with 'task NAME')",
        "# only a comment;                            t.wl: no tasks (start one with 'task NAME')",
        "task t|  sync|set ram 1M;                    t.wl:3: 'set' must come before the first task",
        "set ram 1M|set ram 2M|task t|  sync;         t.wl:2: setting 'ram' already set at line 1",
        "set ram lots|task t|  sync;                  t.wl:1: set ram: bad number 'lots'",
        "set iomap maybe|task t|  sync;               t.wl:1: set iomap: expected on or off, got 'maybe'",
        "task a|  barrier x|task b|  barrier y;       t.wl:2: barrier x is named only by task a (a barrier orders two or more tasks)",
        "task a in memcg app|  sync;                  t.wl:1: unknown memcg 'app' (declare it with 'memcg app LIMIT' before the first task)",
        "memcg app|task a in memcg app|  sync;        t.wl:1: memcg app: no LIMIT given and no 'set memcg-limit SIZE'",
        "task a|  loop 2|    open f /a$j|  end;       t.wl:3: open: undefined variable $j in path /a$j",
        "task a|  open f /a|  write f $j 1;           t.wl:3: write: OFFSET: undefined variable $j (loop variables exist only inside their loop)",
        "task a|  loop 2|    loop 2|      sync|    end|  end; t.wl:3: loop: variable $i is already used by an enclosing loop (name this one: 'loop 2 j')",
        "task a|  open f /a|  read f 0 0;             t.wl:3: read: LENGTH must be between 1 and 64M, got 0",
        "task a|  open f /a|  read f 0 65M;           t.wl:3: read: LENGTH must be between 1 and 64M, got 65M",
        "task a|  open f /a|  mmap f f 0 4k;          t.wl:3: 'f' is already a file handle in task a",
        "task a|  open f /a|  mmap m f 100 4k;        t.wl:3: mmap: OFFSET must be a multiple of 4k, got 100",
        "task a|  open f a;                           t.wl:2: open: paths are absolute, got 'a'",
        "task a|  open f /a bogus;                    t.wl:2: open: unknown flag 'bogus' (flags: create excl trunc append rdonly wronly rdwr direct sync dsync)",
        "task a|  open f /a rdonly rdwr;              t.wl:2: open: more than one of rdonly, wronly, rdwr",
        "task a|  write;                              t.wl:2: usage: write HANDLE OFFSET LENGTH [seed=N|byte=B|zero|data=OFFSET|from MAP[+OFFSET]]",
        "task a|  open f /a|  write f 0 1 data=0;     t.wl:3: write: data=OFFSET needs a 'set data FILE' line before it (the file holding the bytes)",
        "set data /nonexistent/x.data|task a|  sync;  t.wl:1: set data /nonexistent/x.data: cannot read /nonexistent/x.data (No such file or directory)",
        "task a|  chown /a me 0;                      t.wl:2: chown: UID must be a number (or -1: unchanged), got 'me'",
        "task a|  chown /a 0;                         t.wl:2: usage: chown PATH UID GID",
        "task a|  setxattr /a user.x;                 t.wl:2: usage: setxattr PATH NAME LEN [seed=N|byte=B|zero] [create|replace]",
        "task a|  setxattr /a user.x 4 create replace; t.wl:2: setxattr: create or replace given twice",
        "task a|  setxattr /a user.x 4 replace seed=1; t.wl:2: setxattr: unknown option 'seed=1' (usage: setxattr PATH NAME LEN [seed=N|byte=B|zero] [create|replace])",
        "task a|  setxattr /a user.x -1;              t.wl:2: setxattr: LEN must be 0..67108864, got -1",
        "task a|  getxattr /a;                        t.wl:2: usage: getxattr PATH NAME",
        "task a|  removexattr a user.x;               t.wl:2: removexattr: paths are absolute, got 'a'",
        "set lkdtm VFS_WRITE:OOPS|task a|  sync;      t.wl:1: set lkdtm: unknown crash type 'OOPS' (known: BUG, WARNING)",
        "task a|  open f /a|  write f 0 1 byte=300;   t.wl:3: write: byte must be 0..255, got 300",
        "task a|  sleep 10us;                         t.wl:2: sleep: bad duration '10us' (milliseconds or seconds: 10ms, 2s)",
        "task a|  expect-error sleep 1 EIO;           t.wl:2: expect-error: 'sleep' is not a system call",
        "task a|  expect-error sync;                  t.wl:2: usage: expect-error STATEMENT ERRNO[|ERRNO...][|ok]",
        "task a|  open f /a|  fallocate f 0 4k punch zero-range; t.wl:3: fallocate: punch and zero-range exclude each other",
        "task a|task a;                               t.wl:2: task a already defined at line 1",
        "task epilogue|  sync;                        t.wl:1: task name 'epilogue' is reserved for the runner's last task",
        "task a b;                                    t.wl:1: usage: task NAME [in memcg MEMCG]",
        "task a|  stat /a size=4k owner=me;           t.wl:2: stat: unknown check 'owner=me' (usage: stat PATH [size=N] [file|dir])",
        "set fail-write a nth=1|task a|  sync;        t.wl:1: set fail-write: expected PATH [nth=N] [count=C] [ERRNO] with an absolute PATH, got 'a nth=1'",
        "set fail-write /a nth=x|task a|  sync;       t.wl:1: set fail-write: bad number in 'nth=x' (PATH [nth=N] [count=C] [ERRNO])",
        "set fail-write /a count=0|task a|  sync;     t.wl:1: set fail-write: 'count=0' must be at least 1",
        "set hw-queues 0|task a|  sync;               t.wl:1: set hw-queues: must be between 1 and 64",
        "set debug-vm perhaps|task a|  sync;          t.wl:1: set debug-vm: expected on or off, got 'perhaps'",
        "param n 4|param n 5|task a|  sync;           t.wl:2: parameter 'n' already declared at line 1",
        "task a|  sync|param n 4;                     t.wl:3: 'param' must come before the first task",
        "param 9n 4|task a|  sync;                    t.wl:1: bad parameter name '9n' (letters, digits and '_', not starting with a digit)",
        "param n $m|task a|  sync;                    t.wl:1: param n: undefined variable $m (loop variables exist only inside their loop)",
        "param n|task a|  sync;                       t.wl:1: usage: param NAME DEFAULT",
        "task a|  measure 3;                          t.wl:2: usage: measure",
    })
    void mistakesAreReportedWithFileAndLine(String text, String message) {
        assertEquals(message, error(text));
    }

    @Test
    void unknownSettingsAndErrnosListWhatIsKnown() {
        assertTrue(error("set rma 64M|task t|  sync").startsWith("t.wl:1: unknown setting 'rma' (known: ram, image-size, "));
        String e = error("task a|  open f /a|  expect-error read f 0 1 EBADFF");
        assertTrue(e.startsWith("t.wl:3: expect-error: unknown errno 'EBADFF' (known: ") && e.contains(" EACCES ")
                && e.contains(" EBADF ") && e.contains(" EUCLEAN"), e);
        assertTrue(error("set kernel 9.9|task a|  sync").startsWith("t.wl:1: set kernel: unknown kernel profile '9.9'"));
        assertTrue(error("set patch +nope|task a|  sync").startsWith("t.wl:1: set patch: unknown patch 'nope'"));
    }

    @Test
    void settingsAreExposedAsAMap() throws Exception {
        Workload w = Workload.parse("""
                # the boot layer reads these
                set ram 64M
                set kernel 4.20
                set patch +ext4-bio-per-page
                set patch -gup-pin-tracking,+dio-uses-pins
                set fail-write /a nth=1 EIO
                set fail-write /b count=2 nth=3 ENOSPC
                set seed 0x10
                set iomap on
                memcg app 32M v2
                memcg legacy
                set memcg-limit 8M
                task t in memcg app
                  sync
                task u in memcg legacy
                  sync
                """, "s.wl");
        assertEquals(List.of("ram", "kernel", "patch", "fail-write", "seed", "iomap", "memcg-limit"),
                List.copyOf(w.settings().keySet()));
        assertEquals("+ext4-bio-per-page,-gup-pin-tracking,+dio-uses-pins", w.settings().get("patch"));
        assertEquals(List.of("/a nth=1 EIO", "/b count=2 nth=3 ENOSPC"), w.settingValues("fail-write"));
        assertEquals(List.of(new FailWrite("/a", 1, 1, 5), new FailWrite("/b", 3, 2, 28)), w.failWrites());
        assertEquals(6, w.settingLine("fail-write"));
        assertEquals(64L << 20, w.sizeSetting("ram", 0));
        assertEquals(16, w.longSetting("seed", 0));
        assertEquals(123, w.longSetting("image-size", 123));
        assertTrue(w.boolSetting("iomap", false));
        assertEquals("4.20", w.stringSetting("kernel", "6.6"));
        assertEquals("s.wl:3: no such profile here", w.settingError("kernel", "no such profile here").getMessage());
        assertEquals(List.of(new Workload.MemcgDecl("app", 32L << 20, true, 10), new Workload.MemcgDecl("legacy", 8L << 20, false, 11)),
                w.memcgs());
        assertEquals("app", w.tasks().get(0).memcg());
        assertEquals(13, w.tasks().get(0).line());
    }

    @Test
    void statementsParseIntoTheirTreeWithLines() throws Exception {
        Workload w = Workload.parse("""
                task writer
                  open f /a create excl wronly direct   # comment after a statement
                  loop 2*2
                    write f $i*4k 4k seed=$i+1
                    loop 2 j
                      store m2 0 1 byte=0x41
                    end
                  end
                  expect-error read f 0 1 EBADF|EINVAL|ok
                  fallocate f 0 1M keep-size
                  fallocate f 0 4k punch
                  sleep 2s
                  barrier go
                task reader
                  barrier go
                  anon a 1M notouch
                  open g /a#notacomment rdonly
                  mmap m g 0 4k private ro
                  read g 0 4k into a+8k
                  write g 0 4k from m
                  stat /a size=4k dir
                """.replace("store m2", "sync").replace("sync 0 1 byte=0x41", "sync"), "w.wl");
        List<Stmt> body = w.tasks().get(0).body();
        Stmt.Open open = assertInstanceOf(Stmt.Open.class, body.get(0));
        assertEquals(2, open.line());
        assertEquals("open f /a create excl wronly direct", open.text());
        assertEquals(File.O_CREAT | File.O_EXCL | File.O_WRONLY | File.O_DIRECT, open.flags());
        Stmt.Loop loop = assertInstanceOf(Stmt.Loop.class, body.get(1));
        assertEquals(4, loop.count().constant());
        assertEquals("i", loop.var());
        Stmt.Write wr = assertInstanceOf(Stmt.Write.class, loop.body().get(0));
        assertEquals(12288, wr.off().eval(Expr.Env.EMPTY.bind("i", 3)));
        assertEquals(4, ((Stmt.Seeded) wr.pattern()).seed().eval(Expr.Env.EMPTY.bind("i", 3)));
        Stmt.Loop inner = assertInstanceOf(Stmt.Loop.class, loop.body().get(1));
        assertEquals("j", inner.var());
        assertEquals(6, inner.body().get(0).line());
        Stmt.ExpectError ee = assertInstanceOf(Stmt.ExpectError.class, body.get(2));
        assertEquals(Set.of(Errno.EBADF, Errno.EINVAL), ee.errnos());
        assertTrue(ee.okAllowed());
        assertInstanceOf(Stmt.Read.class, ee.inner());
        assertEquals(Syscalls.FALLOC_FL_KEEP_SIZE, ((Stmt.Fallocate) body.get(3)).mode());
        assertEquals(Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_KEEP_SIZE, ((Stmt.Fallocate) body.get(4)).mode());
        assertEquals(2000, ((Stmt.Sleep) body.get(5)).ms().constant());
        assertEquals(Map.of("go", List.of("writer", "reader")), w.barriers());

        List<Stmt> r = w.tasks().get(1).body();
        assertFalse(((Stmt.Anon) r.get(1)).touch());
        assertEquals("/a#notacomment", ((Stmt.Open) r.get(2)).path().raw());
        assertEquals(File.O_RDONLY, ((Stmt.Open) r.get(2)).flags());
        Stmt.Mmap mm = (Stmt.Mmap) r.get(3);
        assertFalse(mm.shared());
        assertFalse(mm.writable());
        Stmt.Read into = (Stmt.Read) r.get(4);
        assertEquals("a", into.into().map());
        assertEquals(8192, into.into().off().constant());
        Stmt.Write from = (Stmt.Write) r.get(5);
        assertEquals("m", from.from().map());
        assertNull(from.pattern());
        Stmt.Stat st = (Stmt.Stat) r.get(6);
        assertEquals(4096, st.size().constant());
        assertTrue(st.dir());
    }

    @Test
    void xattrStatementsParse() throws Exception {
        Workload w = Workload.parse("""
                task t
                  setxattr /a user.x 0
                  setxattr /a user.y 3k byte=7 create
                  expect-error setxattr /d trusted.t 70000 seed=$n replace E2BIG|ENOSPC|ok
                  getxattr /a user.y
                  expect-error removexattr /a user.x ENODATA
                """.replace("$n", "5"), "x.wl");
        List<Stmt> b = w.tasks().get(0).body();
        Stmt.Setxattr s0 = (Stmt.Setxattr) b.get(0);
        assertEquals("user.x", s0.name());
        assertEquals(0L, s0.len().constant());
        assertEquals(0, s0.flags());
        Stmt.Setxattr s1 = (Stmt.Setxattr) b.get(1);
        assertEquals(3072L, s1.len().constant());
        assertEquals(1, s1.flags());
        assertTrue(s1.pattern() instanceof Stmt.Fill);
        Stmt.ExpectError e = (Stmt.ExpectError) b.get(2);
        assertEquals(2, ((Stmt.Setxattr) e.inner()).flags());
        assertTrue(e.okAllowed());
        assertEquals("/a", ((Stmt.Getxattr) b.get(3)).path().raw());
        assertEquals("user.x", ((Stmt.Removexattr) ((Stmt.ExpectError) b.get(4)).inner()).name());
    }

    @Test
    void openDefaultsToReadWriteAndMmapToSharedReadWrite() throws Exception {
        Workload w = Workload.parse("task t\n  open f /a create\n  mmap m f 0 4k\n", "d.wl");
        assertEquals(File.O_CREAT | File.O_RDWR, ((Stmt.Open) w.tasks().get(0).body().get(0)).flags());
        Stmt.Mmap m = (Stmt.Mmap) w.tasks().get(0).body().get(1);
        assertTrue(m.shared());
        assertTrue(m.writable());
    }

    @ParameterizedTest
    @CsvSource({"4096,4096", "4k,4096", "4K,4096", "1M,1048576", "2g,2147483648", "0x10,16", "10k-1,10239",
            "2*(3+1)*1k,8192", "-4k+8k,4096", "7/2,3", "7%4,3", "1t,1099511627776"})
    void numbersAndSizes(String text, long value) {
        assertEquals(value, Expr.parse(text, Set.of()).constant());
    }

    @Test
    void expressionsWithVariablesAreEvaluatedPerIteration() {
        Expr e = Expr.parse("($i+1)*4k-$j", Set.of("i", "j"));
        assertNull(e.constant());
        assertEquals(8192 - 5, e.eval(Expr.Env.EMPTY.bind("i", 1).bind("j", 5)));
        assertThrows(ArithmeticException.class, () -> Expr.parse("1/$i", Set.of("i")).eval(Expr.Env.EMPTY.bind("i", 0)));
        assertThrows(ArithmeticException.class, () -> Expr.parse("$i*900000000000000000*100", Set.of("i"))
                .eval(Expr.Env.EMPTY.bind("i", 2)));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("4kb", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("99999999999999999999", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("16777216T", Set.of()));
    }

    @Test
    void theDocumentedExamplesParse() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "workloads.md"));
        int n = 0;
        int at = 0;
        while ((at = doc.indexOf("```workload\n", at)) >= 0) {
            int end = doc.indexOf("```", at + 12);
            String block = doc.substring(at + 12, end);
            int line = doc.substring(0, at).split("\n", -1).length + 1;
            try {
                Workload.parse(block, "docs/workloads.md example at line " + line);
            } catch (WorkloadException e) {
                throw new AssertionError(e.getMessage(), e);
            }
            n++;
            at = end;
        }
        assertTrue(n >= 6, "examples found: " + n);
    }

    @Test
    void parametersAreConstantsThatAnOverrideReplacesAndAnUnknownOverrideIsAnError() throws Exception {
        String text = "param size 1M\nparam bs 64k\nparam n $size/$bs\nset image-size $size*4\ntask t\n  open f /a create wronly\n"
                + "  loop $n\n    write f $i*$bs $bs\n  end\n  measure\n";
        Workload w = Workload.parse(text, "t.wl");
        assertEquals(java.util.Map.of("size", 1L << 20, "bs", 64L << 10, "n", 16L), w.params());
        assertEquals(4L << 20, w.longSetting("image-size", 0));
        Workload o = Workload.parse(text, "t.wl", java.util.Map.of("size", "4M", "bs", "1M"));
        assertEquals(4L, o.params().get("n"), "a later default sees the overridden values");
        assertEquals(16L << 20, o.longSetting("image-size", 0));
        WorkloadException e = assertThrows(WorkloadException.class,
                () -> Workload.parse(text, "t.wl", java.util.Map.of("files", "3")));
        assertEquals("t.wl: no parameter 'files' (its parameters: size, bs, n)", e.getMessage());
        WorkloadException bad = assertThrows(WorkloadException.class,
                () -> Workload.parse(text, "t.wl", java.util.Map.of("size", "lots")));
        assertEquals("t.wl: parameter size=lots: bad number 'lots'", bad.getMessage());
    }
}
