package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void sizesAreBinary() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(4096, Sizes.parse("4k"));
        assertEquals(4096, Sizes.parse("4K"));
        assertEquals(1 << 20, Sizes.parse("1M"));
        assertEquals(1 << 20, Sizes.parse("1MiB"));
        assertEquals(1L << 30, Sizes.parse("1g"));
        assertEquals(512L << 20, Sizes.parse("512M"));
        for (String bad : new String[] {"", "k", "1.5M", "-4k", "0", "1x", "4 k k", "99999999999999999999"}) {
            assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
        }
        assertEquals("4 KiB", Sizes.format(4096));
        assertEquals("1.50 MiB", Sizes.format(3 << 19));
        assertEquals("100 bytes", Sizes.format(100));
    }

    @Test
    void jsonIsEscapedOrderedAndNested() {
        String j = new Json().put("a", "x\"y\\z\n").put("n", 3).put("d", 1.23456, 2).put("b", true)
                .put("nan", Double.NaN, 1).putCounts("c", new java.util.LinkedHashMap<>(java.util.Map.of("k", 2)))
                .toString();
        assertEquals("{\"a\":\"x\\\"y\\\\z\\n\",\"n\":3,\"d\":1.23,\"b\":true,\"nan\":null,\"c\":{\"k\":2}}", j);
    }

    @Test
    void fioJsonIsReadForTheRightDirection() {
        String fio = """
                fio: some warning before the JSON
                {
                  "fio version" : "fio-3.33",
                  "jobs" : [
                    {
                      "jobname" : "faultline-vs",
                      "error" : 0,
                      "job options" : { "rw" : "randwrite", "bs" : "4096" },
                      "read" : { "io_bytes" : 0, "bw_bytes" : 0, "bw" : 0, "iops" : 0.000000,
                                 "clat_ns" : { "min" : 0, "percentile" : { "50.000000" : 0 } } },
                      "write" : { "io_bytes" : 8388608, "io_kbytes" : 8192, "bw_bytes" : 335544320,
                                  "bw" : 327680, "iops" : 81920.500000,
                                  "clat_ns" : { "N" : 128, "percentile" : { "50.000000" : 232448 } } }
                    }
                  ]
                }
                """;
        Fio.Result w = Fio.parse(fio, "write", "fio ...");
        assertEquals(320.0, w.mbPerS(), 1e-9);
        assertEquals(81920.5, w.iops(), 1e-9);
        assertEquals(8388608, w.bytes());
        Fio.Result r = Fio.parse(fio, "read", "fio ...");
        assertEquals(0.0, r.mbPerS(), 1e-9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fio.parse(fio.replace("\"error\" : 0", "\"error\" : 5"), "write", "fio"));
        assertTrue(e.getMessage().contains("error 5"));
        assertThrows(IllegalArgumentException.class, () -> Fio.parse("fio: no jobs", "write", "fio"));
    }
}
