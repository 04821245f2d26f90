package org.faultline.kernel;

import java.util.List;

/**
 * Something a task can sleep on: a lock, a page bit, a completion, a bio. The wait-for graph
 * ({@link WaitForGraph}) follows {@link #owedBy()} from what a task waits on to the tasks that must
 * act before it can be released — directly (a mutex owner, a page-lock holder) or through other
 * targets (PG_writeback owed by a bio, the bio held unsubmitted by a flusher). That is how Faultline
 * names cycles that lockdep cannot see.
 */
public interface WaitTarget {
    /** One line naming the resource, e.g. {@code "PG_locked of page pfn 42"}. */
    String describe();

    /**
     * The parties that must act to release this resource: {@link Task}s or further {@link WaitTarget}s.
     * Empty when nobody is known to owe it (a completion nobody has promised to complete).
     */
    default List<Object> owedBy() {
        return List.of();
    }
}
