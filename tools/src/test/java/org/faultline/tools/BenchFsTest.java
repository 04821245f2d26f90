package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.nativeio.LibC;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bench fs} counts what a workload did, exactly, on both kernels: the bytes its measured
 * writes moved, its system calls by name (nothing before {@code measure}); {@code --compare} keeps
 * every run's raw figures in JSON and CSV, draws a PNG and writes a report page; bad input is one line.
 */
class BenchFsTest {
    /** 16 writes of 64k after set-up that {@code measure} leaves out: 1 MiB and 18 calls measured. */
    private static final String WORKLOAD = """
            param size 1M
            param bs 64k
            task w
              open f /setup create wronly
              write f 0 256k byte=1
              close f
              open f /bench.dat create trunc wronly
              measure
              loop $size/$bs
                write f $i*$bs $bs byte=90
              end
              fsync f
              close f
            """;

    private static boolean hostCalls() {
        try {
            LibC.requireSupported();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private static Path workload(Path dir) throws Exception {
        Path wl = dir.resolve("bench.wl");
        Files.writeString(wl, WORKLOAD);
        return wl;
    }

    private static void assertCounted(JsonObject fig, long bytes, long writes) {
        assertEquals(bytes, fig.get("bytes").getAsLong(), fig.toString());
        assertEquals(writes + 2, fig.get("calls").getAsLong(), fig.toString()); // + fsync + close
        JsonObject lat = fig.getAsJsonObject("latency");
        assertEquals(writes, lat.getAsJsonObject("write").get("count").getAsLong(), fig.toString());
        assertEquals(1, lat.getAsJsonObject("fsync").get("count").getAsLong(), fig.toString());
        assertTrue(!lat.has("open"), "the open before 'measure' is set-up: " + fig);
        assertTrue(lat.getAsJsonObject("write").get("p99_ns").getAsLong() > 0, fig.toString());
        assertTrue(fig.get("window_s").getAsDouble() > 0, fig.toString());
    }

    @Test
    void aWorkloadsMeasuredCallsAndBytesAreCountedExactlyOnFaultlineAndTheHost() throws Exception {
        Path dir = CliTestSupport.scratch("bench-count");
        boolean host = hostCalls();
        CliTestSupport.Run r = host
                ? CliTestSupport.run("bench", "fs", workload(dir).toString(), "--image", dir.resolve("x.img").toString(), "--json", "--vs-host")
                : CliTestSupport.run("bench", "fs", workload(dir).toString(), "--image", dir.resolve("x.img").toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertCounted(j.getAsJsonObject("faultline"), 1 << 20, 16);
        assertTrue(j.getAsJsonObject("faultline").getAsJsonObject("counters").get("bios").getAsLong() > 0, r.out());
        if (host) {
            assertCounted(j.getAsJsonObject("host"), 1 << 20, 16);
            assertTrue(!Files.exists(dir.resolve("x.img.host.d")), "the host side's directory is removed");
        }
    }

    @Test
    void aParameterChangesWhatIsMeasuredAndAnUnknownOneIsRefused() throws Exception {
        Path dir = CliTestSupport.scratch("bench-param");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", workload(dir).toString(), "--image",
                dir.resolve("x.img").toString(), "--size", "512k", "--param", "bs=128k", "--json");
        assertEquals(0, r.code(), r.toString());
        assertCounted(JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonObject("faultline"), 512 << 10, 4);
        CliTestSupport.Run bad = CliTestSupport.run("bench", "fs", workload(dir).toString(), "--image",
                dir.resolve("y.img").toString(), "--param", "files=3");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("no parameter 'files'") && bad.err().contains("size, bs"), bad.toString());
        assertEquals(1, CliTestSupport.lines(bad.err()).length, bad.toString());
    }

    @Test
    void aComparisonKeepsEveryRunsFiguresDrawsThemAndWritesAReportPage() throws Exception {
        Path dir = CliTestSupport.scratch("bench-compare");
        Path png = dir.resolve("out.png");
        Path csv = dir.resolve("out.csv");
        Path html = dir.resolve("report");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", workload(dir).toString(), "--image", dir.resolve("x.img").toString(),
                "--compare", "4.20", "4.20+ext4-bio-per-page", "--runs", "2", "--json", "--csv", csv.toString(),
                "--plot", png.toString(), "--html", html.toString());
        assertEquals(0, r.code(), r.toString());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonArray kernels = j.getAsJsonArray("kernels");
        assertEquals(2, kernels.size(), r.out());
        for (var k : kernels) {
            JsonArray runs = k.getAsJsonObject().getAsJsonArray("runs");
            assertEquals(2, runs.size(), r.out());
            for (var run : runs) {
                assertCounted(run.getAsJsonObject(), 1 << 20, 16);
            }
        }
        assertTrue(j.getAsJsonArray("verdicts").size() >= 3, "a verdict per metric: " + r.out());
        assertEquals(5, Files.readAllLines(csv).size(), "a header and four runs");
        var img = javax.imageio.ImageIO.read(png.toFile());
        assertTrue(img != null && img.getWidth() >= 1000, "a PNG");
        String page = Files.readString(html.resolve("index.html"));
        assertTrue(page.contains("--compare 4.20 4.20+ext4-bio-per-page") && page.contains("results.json"), page);
        assertTrue(Files.exists(html.resolve("plot.png")) && Files.exists(html.resolve("results.json")));
        assertTrue(r.err().contains("run 2 of 2, 4.20+ext4-bio-per-page"), "progress on stderr: " + r.err());
    }

    @Test
    void aPlotCanBeAnSvgDocument() throws Exception {
        Path dir = CliTestSupport.scratch("bench-svg");
        Path svg = dir.resolve("out.svg");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", workload(dir).toString(), "--image", dir.resolve("x.img").toString(),
                "--compare", "6.6", "6.6", "--runs", "2", "--plot", svg.toString());
        assertEquals(0, r.code(), r.toString());
        String doc = Files.readString(svg);
        assertTrue(doc.contains("<svg ") && doc.contains("latency CDF") && doc.contains("6.6 #2"), doc.substring(0, 200));
    }

    @Test
    void theListNamesEveryShippedWorkloadAndEachParses() {
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", "--list");
        assertEquals(0, r.code(), r.toString());
        for (String n : BenchWorkload.NAMES) {
            assertTrue(r.out().contains(n), r.out());
        }
        assertTrue(r.out().contains("size=1G bs=1M") && r.out().contains("files=2000"), r.out());
    }

    @Test
    void aMultiTaskWorkloadIsRefusedOnTheHostInOneLine() throws Exception {
        Assumptions.assumeTrue(hostCalls());
        Path dir = CliTestSupport.scratch("bench-refuse");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", "memcg-mixed", "--image", dir.resolve("x.img").toString(),
                "--vs-host");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("single-task"), r.toString());
        assertTrue(!Files.exists(dir.resolve("x.img")), "nothing made");
    }
}
