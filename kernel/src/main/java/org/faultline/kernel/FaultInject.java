package org.faultline.kernel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection at named sites (lib/fault-inject.c: a {@code fault_attr} per site, consulted by
 * {@code should_fail()}): a site armed with {@code nth} and {@code times} fails its nth call and the
 * {@code times − 1} after it, with the armed errno. Every site counts its calls, armed or not, so a
 * test can run once to learn how many calls a workload makes and then fail each in turn.
 *
 * <p>Sites: {@code get_block} (before a {@code get_block_t} call of the buffer layer, mpage and
 * direct I/O), {@code iomap_begin} (before {@code ->iomap_begin} in iomap's buffered I/O) and
 * {@code fail_make_request} (a bio fails at submission, as the kernel's attribute of that name).
 * Deviation: upstream has no per-call-site attributes for get_block or iomap_begin; these make
 * every error path of those hooks reachable.
 *
 * <p>Thread-safe (free-running tasks consult it at once); counts are atomic and the maps are
 * only looked up, never iterated.
 */
public final class FaultInject {
    /** An armed site: fail calls nth .. nth+times−1 with -errno. */
    private record Attr(long nth, long times, int errno) {
    }

    private final Map<String, Attr> armed = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

    /** Arms {@code site}: its {@code nth} call (1-based) and the {@code times − 1} after it fail with {@code errno}. */
    public void arm(String site, long nth, long times, int errno) {
        if (nth < 1 || times < 1 || errno <= 0) {
            throw new IllegalArgumentException("arm " + site + ": nth " + nth + ", times " + times + ", errno " + errno);
        }
        armed.put(site, new Attr(nth, times, errno));
    }

    /**
     * should_fail(): counts a call at {@code site}.
     *
     * @return 0, or the negative errno the call must fail with
     */
    public int shouldFail(String site) {
        long n = calls.computeIfAbsent(site, s -> new AtomicLong()).incrementAndGet();
        Attr a = armed.get(site);
        return a != null && n >= a.nth() && n < a.nth() + a.times() ? -a.errno() : 0;
    }

    /** Calls made at {@code site} so far. */
    public long calls(String site) {
        AtomicLong c = calls.get(site);
        return c == null ? 0 : c.get();
    }
}
