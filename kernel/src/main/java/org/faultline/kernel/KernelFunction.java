package org.faultline.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The exact kernel name of a method whose Java name cannot carry it, e.g. a
 * {@code removeMappingLocked} that models {@code __remove_mapping}. Without it a call trace derives
 * the name by turning camelCase into snake_case ({@code writeCachePages} → {@code write_cache_pages}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface KernelFunction {
    /** The kernel function's name, e.g. {@code "__remove_mapping"}. */
    String value();
}
