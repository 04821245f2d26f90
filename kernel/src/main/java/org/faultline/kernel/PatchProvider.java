package org.faultline.kernel;

import java.util.List;

/**
 * A layer's patches, found by {@link java.util.ServiceLoader} (each module lists its provider in
 * {@code META-INF/services/org.faultline.kernel.PatchProvider}): the registry learns the patches of
 * the layers on the class path without this layer naming them.
 */
public interface PatchProvider {
    List<Patch> patches();
}
