package org.faultline.kernel;

import java.util.List;

/**
 * A layer's patches, found by {@link java.util.ServiceLoader} (each module lists its classes of patch
 * constants in {@code META-INF/services/org.faultline.kernel.PatchProvider}): the registry learns
 * the patches of the layers on the class path without this layer naming them. A provider is the
 * class that holds the constants; {@link #patches} finds them.
 */
public interface PatchProvider {
    /** This layer's patches. */
    default List<Patch> patches() {
        return constantsOf(getClass());
    }

    /** The {@code public static final Patch} constants of {@code holder}. */
    static List<Patch> constantsOf(Class<?> holder) {
        List<Patch> out = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : holder.getFields()) {
            if (f.getType() == Patch.class && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                try {
                    out.add((Patch) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }
}
