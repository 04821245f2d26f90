package org.faultline.tools.explore;

import org.faultline.fs.ext4.Ext4Super;
import org.faultline.kernel.Kernel;
import org.faultline.mm.Mm;

/**
 * What a scenario's workload sees: the kernel, its memory, and the mounted filesystem (for its
 * fault-injection knobs).
 *
 * @param k   the booted kernel (not yet running)
 * @param mm  its memory management
 * @param fs  the mounted ext4
 */
public record ScenarioContext(Kernel k, Mm mm, Ext4Super fs) {
}
