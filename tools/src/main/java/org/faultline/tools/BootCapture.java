package org.faultline.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.faultline.block.HostFileDriver;
import org.faultline.block.UndoLogDriver;
import org.faultline.images.capture.CaptureStore;
import org.faultline.images.capture.CaptureStoreException;
import org.faultline.images.capture.CapturedDisk;
import org.faultline.images.capture.Manifest;
import org.faultline.kernel.Failure;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Stopwatch;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;
import org.faultline.nativeio.LibC;

/**
 * The capture of a failing {@code boot} (or {@code mount}) on a user's image: the image as it was at boot (kept, block by
 * block, as the run overwrites it: {@link UndoLogDriver}, its undo file in the store's {@code tmp/}),
 * the image at the failure, the workload and the kernel. A free-running boot has no schedule to
 * replay; {@code faultline explore ID} searches the captured workload on the captured disk.
 */
final class BootCapture implements AutoCloseable {
    private final CaptureStore store;
    private final HostFileDriver image;
    private final UndoLogDriver disk;
    private final HostFile undoFile;
    private final Path undoPath;

    private BootCapture(CaptureStore store, HostFileDriver image, UndoLogDriver disk, HostFile undoFile, Path undoPath) {
        this.store = store;
        this.image = image;
        this.disk = disk;
        this.undoFile = undoFile;
        this.undoPath = undoPath;
    }

    /** Starts keeping {@code image}'s old blocks, in an undo file under the store's {@code tmp/}. */
    static BootCapture start(CaptureStore store, HostFileDriver image) {
        Path p = store.dir().resolve("tmp").resolve("undo-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(p.getParent());
            HostFile f = HostFile.open(p, LibC.O_RDWR | LibC.O_CREAT | LibC.O_TRUNC, 0600);
            return new BootCapture(store, image, new UndoLogDriver(image, f), f, p);
        } catch (IOException e) {
            store.close();
            throw new CliError(HostErrors.of(p, e));
        }
    }

    /** @return the image's driver with the undo log in front */
    UndoLogDriver disk() {
        return disk;
    }

    /** Stores the failing run of {@code command} (boot, mount); @return its capture id. */
    String capture(String command, String name, String workloadText, String profile, List<String> patches, String kernel, long seed,
                   RunResult r) {
        Failure f = r.fatal();
        if (disk.lost() != null) {
            throw new CliError("the failure was not captured: the image as it was at boot could not be kept ("
                    + disk.lost() + ")");
        }
        String report = RunReport.reports(r);
        try (CaptureStore.Batch b = store.batch(); AlignedMemory buf = AlignedMemory.allocate(4096)) {
            long bytes = disk.blocks() * 4096;
            String base = CapturedDisk.putDisk(b, bytes, (i, dst) -> {
                disk.readAtAttach(i, buf);
                buf.get(0, dst, 0, 4096);
            });
            String fin = CapturedDisk.putDisk(b, bytes, (i, dst) -> {
                image.rawTransfer(false, i * 4096, buf, 4096);
                buf.get(0, dst, 0, 4096);
            });
            String wl = b.putText(workloadText);
            Manifest m = new Manifest(Manifest.FORMAT, Faultline.Version.version(), Stopwatch.wallClockMs(), command,
                    f.kind().name(), r.exitCode(), f.title(), name, wl, profile,
                    Captures.patches(patches), kernel, "free", seed, 0, "", 0, f.step(),
                    b.putText(report, wl + "/report"), b.putText(r.dmesg(), wl + "/log"),
                    Long.toHexString(r.traceDigest()), 0, bytes, base, fin,
                    CapturedDisk.putWriteLog(b, List.of()), 0, false);
            String id = b.putCapture(m);
            b.commit();
            return id;
        } catch (CaptureStoreException e) {
            throw new CliError("the failure was not captured: " + e.getMessage());
        } catch (IOException e) {
            throw new CliError("the failure was not captured: " + e.getMessage());
        }
    }

    /** Drops the undo file and closes the store. */
    @Override
    public void close() {
        try {
            undoFile.close();
        } catch (ErrnoException e) {
            // the file goes anyway
        }
        try {
            Files.deleteIfExists(undoPath);
        } catch (IOException e) {
            // a leftover in the store's tmp/: harmless
        }
        store.close();
    }
}
