package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.faultline.kernel.Pct;
import org.faultline.kernel.RunResult;
import org.faultline.tools.workload.Workload;
import org.junit.jupiter.api.Test;

/**
 * jbd2 under the controlled scheduler: two fsyncing writers and a namespace task on a journaled,
 * checksummed image (docs/examples/journal-race.wl) run a thousand PCT schedules without a failure — no
 * deadlock through a handle, the commit thread or fsync's waits, no false hang report, and every file
 * as the oracle expects. Before i_disksize followed fallocate's size under the filesystem lock, PCT
 * found a write_inode writing the old size back over it (seed 491 of explore --strategy pct --depth 3:
 * "/fa: size 98304, expected 196608").
 */
class JournalExploreTest {
    @Test
    void aThousandPctSchedulesOfAJournaledWorkloadFindNothing() throws Exception {
        Path wl = Path.of("..", "docs", "examples", "journal-race.wl");
        Scenario sc = Scenarios.resolve(wl.toString());
        assertTrue(sc.journal(), "the workload sets journal on");
        Explorer ex = new Explorer(sc, sc.kernel(null, java.util.List.of()), 200_000);
        long k = ex.pctLength(1);
        for (long seed = 0; seed < 1000; seed++) {
            RunResult r = ex.search(new Pct(seed, 3, k));
            assertTrue(r.ok(), "seed " + seed + ": " + (r.ok() ? "" : r.fatal().title()));
        }
    }
}
