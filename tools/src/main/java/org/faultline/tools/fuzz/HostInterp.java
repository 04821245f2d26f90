package org.faultline.tools.fuzz;

import java.nio.file.Path;
import java.util.Map;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.Workload;

/** The same system calls on the host kernel (to come). */
final class HostInterp {
    private HostInterp() {
    }

    static Finding compare(Workload w, long imageBytes, Path img, Path scratch, Map<String, Oracle.ExpectedFile> expected) {
        return null;
    }
}
