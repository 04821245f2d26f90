package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.kernel.Failure;
import org.junit.jupiter.api.Test;

/** Workloads run on the in-kernel ext4 under the controlled scheduler, checked by the oracle. */
class WorkloadRunTest {
    static final String SINGLE = """
            # one task through most statements
            task t
              open f /a create rdwr
              write f 0 64k seed=1
              read f 0 64k
              truncate f 10k
              read f 0 16k
              write f 20k 4k byte=0x5a        # leaves a hole [10k, 20k)
              read f 8k 20k
              fallocate f 32k 8k              # grows the file to 40k
              stat /a size=40k file
              fallocate f 4k 4k punch
              read f 0 40k
              fsync f
              open g /b create rdwr
              truncate g 64k
              mmap m g 0 64k shared rw
              store m 100 16 seed=7
              load m 0 4k
              open d /a rdonly direct
              read d 0 8k into m+8192         # O_DIRECT read of /a into /b's mapping
              load m 8k 8k
              msync m
              munmap m
              read g 0 64k
              mmap p g 0 16k private rw
              store p 0 4k seed=9
              load p 0 16k
              read g 0 4k                     # a private store leaves the file alone
              munmap p
              anon a 256k
              store a 4k 4k seed=3
              load a 0 8k
              write f 40k 8k from a+4k        # from anonymous memory
              read f 40k 8k
              close d
              close g
              fsync f
              close f
              mkdir /d
              rename /a /d/a2
              stat /d/a2 size=48k
            """;

    @Test
    void aSingleTaskRunsCleanAndTheImageMatchesTheOracle() throws Exception {
        Ext4Boot.Outcome out = Ext4Boot.run("single", SINGLE, 1, 2048);
        assertTrue(out.result().ok(), out::why);
        assertEquals(0, out.runner().umountResult(), "umount");
        assertTrue(out.runner().finished());
        Map<String, Oracle.ExpectedFile> exp = out.oracle().expectedFiles();
        assertEquals(java.util.Set.of("/b", "/d/a2"), exp.keySet());
        Oracle.ExpectedFile a = exp.get("/d/a2");
        assertEquals(48 << 10, a.size());
        assertTrue(a.sizeKnown());
        assertEquals(a.size(), a.knownBytes(), "every byte of /d/a2 is known");
        assertEquals((byte) Shadow.patternByte(1, 100), a.data()[100]);
        assertEquals(0, a.data()[5000]);                       // punched
        assertEquals(0, a.data()[15000]);                      // hole
        assertEquals(0x5a, a.data()[(20 << 10) + 7]);
        assertEquals((byte) Shadow.patternByte(3, 4096 + 5), a.data()[(40 << 10) + 5]); // from the anonymous mapping
        Oracle.ExpectedFile b = exp.get("/b");
        assertEquals(64 << 10, b.size());
        assertEquals((byte) Shadow.patternByte(7, 105), b.data()[105]);
        assertEquals(a.data()[300], b.data()[8192 + 300]);    // the direct read landed in the mapping
        assertEquals(0, b.data()[0]);                          // the private store did not
        assertTrue(out.oracle().verifiedBytes() > 200_000, "verified " + out.oracle().verifiedBytes());

        assertEquals(java.util.List.of(), out.oracle().verifyImage(out.image()));
        try (Ext4Image v = Ext4Image.openImage(out.image(), Ext4Volume.Options.readOnlyMode())) {
            for (Oracle.ExpectedFile ef : exp.values()) {
                byte[] got = v.readAll(ef.path());
                assertArrayEquals(ef.data(), got, ef.path());
            }
        }
    }

    @Test
    void bytesWrittenBehindTheOraclesBackAreCorruption() throws Exception {
        String wl = """
                task t
                  open f /a create rdwr
                  write f 0 16k seed=1
                  write-unchecked f 8192 16 byte=0x41
                  read f 0 16k
                """;
        Ext4Boot.Outcome out = Ext4Boot.run("unchecked", wl, 1, 2048);
        assertEquals(Failure.Kind.CORRUPTION, out.result().fatal().kind(), out::why);
        assertEquals(4, out.result().exitCode());
        String title = out.result().fatal().title();
        assertEquals(String.format("data corruption: /a offset 8192: expected 0x%02x got 0x41", Shadow.patternByte(1, 8192)),
                title);
        String report = out.result().fatal().report();
        assertTrue(report.contains("unchecked.wl:5: read f 0 16k"), report);
        assertTrue(report.contains("16 of 16384 bytes read at 0 differ"), report);
        assertTrue(report.contains("t at unchecked.wl:3 (write f 0 16k seed=1)"), report);
        assertTrue(report.contains("*0x000000002000"), report);
    }

    @Test
    void corruptionSeenThroughAMappingNamesTheFileOffset() throws Exception {
        String wl = """
                task t
                  open f /a create rdwr
                  write f 0 16k seed=2
                  mmap m f 0 16k shared ro
                  load m 0 16k
                  write-unchecked f 12288 1 zero
                  load m 12k 4k
                """;
        Ext4Boot.Outcome out = Ext4Boot.run("mapcorrupt", wl, 2, 2048);
        assertEquals(Failure.Kind.CORRUPTION, out.result().fatal().kind(), out::why);
        assertEquals(String.format("data corruption: /a offset 12288: expected 0x%02x got 0x00", Shadow.patternByte(2, 12288)),
                out.result().fatal().title());
    }

    @Test
    void tasksWritingDisjointRangesConcurrentlyVerifyOnEverySeed() throws Exception {
        String wl = """
                task init
                  open f /shared create rdwr
                  truncate f 96k
                  barrier ready
                task w0
                  barrier ready
                  open f /shared rdwr
                  loop 4
                    write f $i*8k 8k seed=10
                    read f $i*8k 8k
                  end
                  read f 0 32k
                task w1
                  barrier ready
                  open f /shared rdwr
                  mmap m f 32k 32k shared rw
                  loop 4
                    store m $i*8k 8k seed=11
                    load m $i*8k 8k
                  end
                task w2
                  barrier ready
                  open f /shared rdwr direct
                  loop 2
                    write f 64k+$i*16k 16k seed=12
                    read f 64k+$i*16k 16k
                  end
                """;
        for (long seed = 1; seed <= 4; seed++) {
            Ext4Boot.Outcome out = Ext4Boot.run("disjoint" + seed, wl, seed, 2048);
            assertTrue(out.result().ok(), out::why);
            Oracle.ExpectedFile f = out.oracle().expectedFiles().get("/shared");
            assertEquals(96 << 10, f.size());
            assertEquals(f.size(), f.knownBytes(), "seed " + seed);
            assertEquals(java.util.List.of(), out.oracle().verifyImage(out.image()), "seed " + seed);
            // each task's own reads, plus the final check of everything
            assertTrue(out.oracle().verifiedBytes() >= 2 * (96 << 10), "seed " + seed + ": " + out.oracle().verifiedBytes());
        }
    }

    @Test
    void expectErrorAcceptsTheNamedErrnoAndRejectsSuccess() throws Exception {
        String ok = """
                task t
                  open f /a create rdwr
                  write f 0 4k
                  close f
                  expect-error read f 0 1 EBADF
                  expect-error open g /missing rdonly ENOENT
                  expect-error open g /a create excl EEXIST
                  open r /a rdonly
                  expect-error write r 0 1 EBADF
                  mmap m r 0 4k shared ro
                  expect-error store m 0 1 EFAULT
                  expect-error load m 4k 1 EFAULT|EINVAL
                  expect-error fsync r EIO|ok
                  expect-error mkdir /a EEXIST
                  expect-error unlink /missing ENOENT
                  read r 0 4k
                """;
        Ext4Boot.Outcome out = Ext4Boot.run("expect", ok, 1, 2048);
        assertTrue(out.result().ok(), out::why);

        String bad = """
                task t
                  open f /a create rdwr
                  expect-error write f 0 1 EBADF
                """;
        out = Ext4Boot.run("expectbad", bad, 1, 2048);
        assertEquals(Failure.Kind.CORRUPTION, out.result().fatal().kind(), out::why);
        assertEquals("workload error: expectbad.wl:3: expect-error write f 0 1 EBADF: expected EBADF, got success (1)",
                out.result().fatal().title());

        String unexpected = """
                task t
                  open f /a create rdwr
                  close f
                  read f 0 1
                """;
        out = Ext4Boot.run("unexpected", unexpected, 1, 2048);
        assertEquals(Failure.Kind.CORRUPTION, out.result().fatal().kind(), out::why);
        assertEquals("workload error: unexpected.wl:4: read f 0 1 failed with EBADF", out.result().fatal().title());
    }

    @Test
    void loopsBindTheirVariable() throws Exception {
        String wl = """
                task t
                  open f /a create rdwr
                  loop 8
                    write f $i*4k 4k seed=$i
                  end
                  loop 2 j
                    loop 4
                      read f ($j*4+$i)*4k 4k
                      open g /f$j-$i create
                      write g 0 100 byte=$i+$j*16
                      close g
                    end
                  end
                """;
        Ext4Boot.Outcome out = Ext4Boot.run("loops", wl, 3, 2048);
        assertTrue(out.result().ok(), out::why);
        Map<String, Oracle.ExpectedFile> exp = out.oracle().expectedFiles();
        Oracle.ExpectedFile a = exp.get("/a");
        assertEquals(32 << 10, a.size());
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) Shadow.patternByte(i, i * 4096L + 17), a.data()[i * 4096 + 17], "page " + i);
        }
        assertEquals(9, exp.size());
        assertEquals(0x13, exp.get("/f1-3").data()[50]);

        // a failure inside nested loops names the iteration, in the report and the trace
        String bad = wl.replace("  loop 2 j", "  write-unchecked f 6*4k+9 1 byte=0x77\n  loop 2 j");
        Ext4Boot.Outcome failed = Ext4Boot.run("loopsbad", bad, 3, 2048);
        assertEquals(Failure.Kind.CORRUPTION, failed.result().fatal().kind(), failed::why);
        assertTrue(failed.result().fatal().report().contains("task t [j=1 i=2], statement at loopsbad.wl:9"),
                failed.result().fatal().report());
        assertTrue(failed.result().lastEvents().stream()
                        .anyMatch(e -> e.endsWith("workload t loopsbad.wl:9: read f ($j*4+$i)*4k 4k [j=1 i=2]")),
                () -> String.join("\n", failed.result().lastEvents()));
    }

    @Test
    void tasksJoinTheirMemcg() throws Exception {
        String wl = """
                memcg tiny 256k v1
                task hog in memcg tiny
                  expect-error anon a 2M EFAULT       # charges beyond 64 pages fail: no swap
                task free
                  anon b 2M
                  load b 0 2M
                """;
        Ext4Boot.Outcome out = Ext4Boot.run("memcg", wl, 1, 2048);
        assertTrue(out.result().ok(), out::why);
        org.faultline.mm.MemCgroup tiny = org.faultline.mm.Mm.of(out.kernel()).memcgs().get(1);
        assertEquals("tiny", tiny.name());
        assertEquals(64, tiny.limitPages());
        assertFalse(tiny.onDfl());
        assertTrue(tiny.failcnt() > 0, "the hog was charged to tiny");
        assertTrue(out.result().dmesg().contains("Memory cgroup out of memory: tiny"), out.result().dmesg());
    }

    static final String ORDERED = """
            task writer
              open f /a create rdwr
              write f 0 32k seed=5
              %s
              barrier done
            task reader
              open f /a create rdwr
              barrier done
              read f 0 32k
            """;

    @Test
    void aReaderAfterTheBarrierChecksTheWritersData() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Ext4Boot.Outcome out = Ext4Boot.run("barrier" + seed, String.format(ORDERED, ""), seed, 2048);
            assertTrue(out.result().ok(), out::why);
            // the reader's 32k plus the final check's 32k
            assertEquals(64 << 10, out.oracle().verifiedBytes(), "seed " + seed);
            assertEquals(0, out.oracle().uncheckedBytes(), "seed " + seed);
        }
        // and it does check: data the writer damaged before the barrier is caught by the reader
        Ext4Boot.Outcome out = Ext4Boot.run("barrierbad", String.format(ORDERED, "write-unchecked f 100 1 byte=0xee"), 1, 2048);
        assertEquals(Failure.Kind.CORRUPTION, out.result().fatal().kind(), out::why);
        assertTrue(out.result().fatal().title().startsWith("data corruption: /a offset 100: "), out.result().fatal().title());
        assertTrue(out.result().fatal().report().contains("task reader"), out.result().fatal().report());
    }

    @Test
    void withoutABarrierAConcurrentWritersBytesAreNotChecked() throws Exception {
        String wl = """
                task writer
                  open f /a create rdwr
                  loop 4
                    write f 0 8k seed=$i
                  end
                task reader
                  open f /a create rdwr
                  loop 4
                    read f 0 8k
                  end
                """;
        for (long seed = 1; seed <= 3; seed++) {
            Ext4Boot.Outcome out = Ext4Boot.run("racy" + seed, wl, seed, 2048);
            assertTrue(out.result().ok(), out::why);
            Oracle.ExpectedFile f = out.oracle().expectedFiles().get("/a");
            assertEquals(f.size(), f.knownBytes(), "the writer's last write is known in the end");
            assertEquals((byte) Shadow.patternByte(3, 10), f.data()[10]);
        }
    }

    @Test
    void theSameSeedGivesTheSameRun() throws Exception {
        String wl = """
                memcg app 2M
                task a in memcg app
                  open f /a create rdwr
                  loop 3
                    write f $i*16k 16k seed=$i
                    fsync f
                  end
                  barrier b
                  read f 0 48k
                task b
                  anon x 1M
                  open g /b create rdwr
                  mmap m g 0 16k shared rw
                  truncate g 16k
                  store m 0 16k seed=4
                  sleep 5ms
                  barrier b
                  msync m
                  sync
                """;
        Ext4Boot.Outcome one = Ext4Boot.run("det", wl, 7, 1024);
        Ext4Boot.Outcome two = Ext4Boot.run("det", wl, 7, 1024);
        Ext4Boot.Outcome other = Ext4Boot.run("det", wl, 8, 1024);
        assertTrue(one.result().ok(), one::why);
        assertTrue(other.result().ok(), other::why);
        assertEquals(one.result().traceDigest(), two.result().traceDigest());
        assertEquals(one.result().decisions(), two.result().decisions());
        assertNotEquals(one.result().traceDigest(), other.result().traceDigest());
        assertFalse(one.result().lastEvents().isEmpty());
    }
}
