package org.faultline.kernel;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recovers a kernel-style {@code Call Trace:} from a Java stack: only frames of classes annotated
 * {@link KernelSource} count, each named by its {@link KernelFunction} or by its camelCase name
 * turned into snake_case ({@code waitOnPageBitCommon} → {@code wait_on_page_bit_common}), with the
 * Java source position in brackets so the emulator itself can be debugged.
 */
public final class CallTrace {
    /** Scheduler plumbing that would only clutter a trace. */
    private static final Set<String> HIDDEN = Set.of("point", "taskMain", "block", "awaitTurn", "switchTo",
            "pick", "pickOrIdle", "decide", "prepareToSleep", "setRunning", "condResched");

    private CallTrace() {
    }

    /** One frame: kernel function, kernel file, and the Java position. */
    public record Frame(String function, String file, String javaPosition) {
        @Override
        public String toString() {
            return function + " [" + javaPosition + "]";
        }
    }

    /** Kernel frames of the current thread's stack, innermost first, skipping {@code skip} frames. */
    public static List<Frame> here() {
        return of(new Throwable().getStackTrace());
    }

    /** Kernel frames of a captured stack, innermost first. */
    public static List<Frame> of(StackTraceElement[] stack) {
        List<Frame> out = new ArrayList<>();
        for (StackTraceElement e : stack) {
            Frame f = frame(e);
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    /** The kernel frame for one Java frame, or null if it is not kernel code. */
    static Frame frame(StackTraceElement e) {
        String m = e.getMethodName();
        if (!e.getClassName().startsWith("org.faultline.") || m.contains("$") || m.startsWith("<")
                || HIDDEN.contains(m)) {
            return null;
        }
        Class<?> c = load(e.getClassName());
        String file = sourceOf(c);
        if (file == null) {
            return null;
        }
        String name = kernelName(c, m);
        if (name == null) {
            return null;
        }
        return new Frame(name, file, e.getFileName() + ":" + e.getLineNumber());
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, CallTrace.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError ex) {
            return null;
        }
    }

    /** The {@link KernelSource} of a class or of the class enclosing it. */
    static String sourceOf(Class<?> c) {
        for (Class<?> x = c; x != null; x = x.getEnclosingClass()) {
            KernelSource ks = x.getAnnotation(KernelSource.class);
            if (ks != null) {
                return ks.value();
            }
        }
        return null;
    }

    private static String kernelName(Class<?> c, String method) {
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(method)) {
                KernelFunction kf = m.getAnnotation(KernelFunction.class);
                if (kf != null) {
                    return kf.value().isEmpty() ? null : kf.value();
                }
            }
        }
        return snake(method);
    }

    /** camelCase to snake_case: {@code testSetPageWriteback} → {@code test_set_page_writeback}. */
    public static String snake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 8);
        for (int i = 0; i < camel.length(); i++) {
            char ch = camel.charAt(i);
            if (Character.isUpperCase(ch)) {
                boolean prevLower = i > 0 && !Character.isUpperCase(camel.charAt(i - 1));
                boolean nextLower = i + 1 < camel.length() && Character.isLowerCase(camel.charAt(i + 1));
                if (i > 0 && (prevLower || nextLower)) {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** The {@code Call Trace:} block. */
    public static String format(List<Frame> frames) {
        StringBuilder sb = new StringBuilder("Call Trace:\n");
        for (Frame f : frames) {
            sb.append(' ').append(f).append('\n');
        }
        return sb.toString();
    }
}
