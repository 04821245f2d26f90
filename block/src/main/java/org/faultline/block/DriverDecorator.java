package org.faultline.block;

import java.io.IOException;
import org.faultline.nativeio.AlignedMemory;

/**
 * A driver in front of another (the stacking of device-mapper targets): forwards capacity, offline
 * access and close to the decorated driver; a subclass changes {@link #execute} and {@link #describe}.
 */
abstract class DriverDecorator implements BlockDriver {
    /** The decorated driver. */
    protected final BlockDriver inner;

    protected DriverDecorator(BlockDriver inner) {
        this.inner = inner;
    }

    @Override
    public HostFileDriver hostFile() {
        return inner.hostFile();
    }

    @Override
    public long capacitySectors() {
        return inner.capacitySectors();
    }

    @Override
    public void close() {
        inner.close();
    }

    /** Offline access is not decorated: it reaches the decorated driver as it is. */
    @Override
    public void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws IOException {
        inner.rawTransfer(write, offset, buf, len);
    }

    @Override
    public void rawFlush() throws IOException {
        inner.rawFlush();
    }
}
