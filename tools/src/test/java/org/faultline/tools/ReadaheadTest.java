package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Readahead (mm/Readahead, ext4's mpage_readahead), seen from the block layer while the oracle checks
 * every byte read: a cold sequential read goes to the disk in windows of up to 128 KiB, a bio each
 * (not a bio per page); scattered 4 KiB reads read what they ask for, not windows around it.
 */
class ReadaheadTest {
    private static final String SETUP = """
            param size 4M
            task r
              open f /data create trunc wronly
              loop $size/64k
                write f $i*64k 64k seed=$i
              end
              fsync f
              close f
              drop-caches
              open f /data rdonly
              measure
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        // 4 MiB in 64k reads: 32 windows of 128 KiB, a few smaller at the start
        "sequential 64k reads; loop $size/64k|    read f $i*64k 64k|  end; 4194304; 40; 4194304",
        // 64 reads of one page at scattered pages (37 apart, mod 1024): one page each, the first a window (4 pages)
        // of 4 pages (67 pages read: a jump backwards, at the wrap, is not sequential)
        "scattered 4k reads; loop 64|    read f ($i*37%1024)*4k 4k|  end; 262144; 72; 274432"})
    void theBlockLayerSeesWindowsForSequentialReadsAndPagesForScatteredOnes(String what, String body, long bytes,
                                                                          long maxBios, long maxRead) throws Exception {
        Path dir = CliTestSupport.scratch("readahead-" + what.replace(' ', '-'));
        Path wl = dir.resolve("r.wl");
        Files.writeString(wl, SETUP + "  " + body.replace("|", "\n") + "\n  close f\n");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", wl.toString(), "--image", dir.resolve("x.img").toString(),
                "--json");
        assertEquals(0, r.code(), r.toString()); // the oracle checked every read
        JsonObject f = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonObject("faultline");
        assertEquals(bytes, f.get("bytes").getAsLong(), r.out());
        long bios = f.getAsJsonObject("counters").get("bios").getAsLong();
        long pages = bytes / 4096;
        assertTrue(bios <= maxBios, what + ": " + bios + " bios for " + pages + " pages read: " + r.out());
        assertTrue(bios >= Math.min(pages, 32), what + ": " + bios + " bios: the reads did reach the disk: " + r.out());
        long read = f.getAsJsonObject("counters").get("bytes_read").getAsLong();
        assertTrue(read >= bytes && read <= maxRead, what + ": the disk read " + read + " bytes for " + bytes + ": " + r.out());
    }
}
