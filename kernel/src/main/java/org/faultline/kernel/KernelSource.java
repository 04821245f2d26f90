package org.faultline.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The kernel source file a Java class models, e.g. {@code @KernelSource("mm/page-writeback.c")}.
 *
 * <p>Oops and warning reports use it: {@code kernel BUG at mm/page-writeback.c!} names the file of
 * the class that called {@link Kernel#bugOn}, and a {@code Call Trace:} lists only frames of classes
 * that carry this annotation, so the trace reads as kernel functions, not Java plumbing.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface KernelSource {
    /** Path of the modelled file in the Linux tree. */
    String value();
}
