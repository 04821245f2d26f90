package org.faultline.fs;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Task;

/**
 * {@code struct files_struct}: a task's descriptor table. Only the owning task touches it.
 */
public final class TaskFiles {
    /** RLIMIT_NOFILE. */
    public static final int NR_OPEN = 1024;
    private final List<File> fds = new ArrayList<>();

    /** The current task's table, created on first use. */
    public static TaskFiles current() {
        Task t = Task.current();
        TaskFiles f = t.ext(TaskFiles.class);
        if (f == null) {
            f = new TaskFiles();
            t.setExt(TaskFiles.class, f);
        }
        return f;
    }

    /** __alloc_fd(): the lowest free descriptor. */
    int install(File f) {
        for (int i = 3; i < fds.size(); i++) {
            if (fds.get(i) == null) {
                fds.set(i, f);
                return i;
            }
        }
        while (fds.size() < 3) {
            fds.add(null); // 0, 1, 2 are the standard streams, not modelled
        }
        if (fds.size() >= NR_OPEN) {
            return -Errno.EMFILE;
        }
        fds.add(f);
        return fds.size() - 1;
    }

    File get(int fd) {
        return fd >= 0 && fd < fds.size() ? fds.get(fd) : null;
    }

    File remove(int fd) {
        File f = get(fd);
        if (f != null) {
            fds.set(fd, null);
        }
        return f;
    }

    /** Open files, for exit. */
    List<Integer> open() {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < fds.size(); i++) {
            if (fds.get(i) != null) {
                l.add(i);
            }
        }
        return l;
    }
}
