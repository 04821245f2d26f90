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

    /**
     * This layer's configuration options that are not patches (as Kconfig is not a commit), by name,
     * each with where to set it instead; {@link Patches#byId} refuses them as patches with that advice.
     */
    default java.util.Map<String, String> configuration() {
        return java.util.Map.of();
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
