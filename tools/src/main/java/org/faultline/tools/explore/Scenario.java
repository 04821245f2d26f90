package org.faultline.tools.explore;

import java.util.function.Consumer;

/**
 * A reproduction scenario: a workload and the machine it runs on — kernel profile, RAM, image size,
 * mount options — described without any hook into the kernel (only system calls and the generic
 * fault-injection knobs). Failures are found by the generic detectors.
 *
 * @param name        the id users pass to explore ({@code mkwrite-not-uptodate-after-eio})
 * @param description one line
 * @param bug         the reference bug it reproduces (1..4), or 0
 * @param profile     default kernel profile
 * @param ramPages    RAM of the machine
 * @param imageBytes  size of the in-memory ext4 image
 * @param iomap       mount with the iomap buffered path
 * @param workload    spawns the workload's tasks on a booted, mounted kernel
 */
public record Scenario(String name, String description, int bug, String profile, int ramPages, long imageBytes,
                       boolean iomap, Consumer<ScenarioContext> workload) {
}
