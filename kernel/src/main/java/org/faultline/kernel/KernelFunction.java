package org.faultline.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The exact kernel name of a method whose Java name cannot carry it, e.g. a
 * {@code removeMappingLocked} that models {@code __remove_mapping}. Without it a call trace derives
 * the name by turning camelCase into snake_case ({@code writeCachePages} → {@code write_cache_pages}).
 *
 * <p>{@link #HIDDEN} (the empty name) leaves the frame out of call traces: for Java methods that are
 * no kernel function — an operations table's trampoline whose callee carries the kernel name, a
 * dispatcher between era variants, the user instruction that traps. A method that models a kernel
 * function names it, even when it is reached through a table.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface KernelFunction {
    /** The name that hides a frame: see the class comment. */
    String HIDDEN = "";

    /** The kernel function's name, e.g. {@code "__remove_mapping"}, or {@link #HIDDEN}. */
    String value();
}
