package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Bit locks and bit waits on a hashed wait table: the page-wait machinery of
 * {@code wait_on_page_bit_common()}, {@code wake_page_function()} and {@code wake_up_page_bit()}
 * (mm/filemap.c), kept in kernel/ so the core can be tested without pages; mm's {@code Filemap}
 * delegates here.
 *
 * <p>Two eras, selected by {@link KernelPatch#PAGE_WAIT_RECHECK}:
 * <ul>
 *   <li><b>pre-5.9</b> (patch present, profile 4.x): a waiter sleeps while the bit is set and, after
 *       each wake-up, re-tests it and loops if it is set again; the waker stops walking the queue
 *       as soon as it finds the bit set again, for every waiter. A stale wake-up is harmless.</li>
 *   <li><b>5.9–5.10</b> (2a9127fcf229, patch absent): the waker decides. It sets
 *       {@code WQ_FLAG_WOKEN} and dequeues the waiter; exclusive waiters are skipped if the bit is set
 *       again (and, after {@value #PAGE_LOCK_UNFAIRNESS} unfair re-queues, handed the bit directly,
 *       {@code WQ_FLAG_CUSTOM}/{@code WQ_FLAG_DONE}); a <em>shared</em> waiter returns on WOKEN without
 *       re-testing the bit. A stale wake-up therefore returns with the bit still set — bug 4.</li>
 * </ul>
 *
 * <p>Lock ordering: a wait queue's monitor is innermost; nothing blocks under it. Owners: the task
 * that takes a bit lock is recorded as its owner ({@link BitWord#setBitOwner}) for the wait-for graph.
 */
@KernelSource("mm/filemap.c")
public final class BitWait {
    /** sysctl_page_lock_unfairness default. */
    public static final int PAGE_LOCK_UNFAIRNESS = 5;
    /** PAGE_WAIT_TABLE_BITS. */
    public static final int PAGE_WAIT_TABLE_BITS = 8;

    /** How a waiter wants the bit: take it, wait for it to clear, or drop its reference and wait. */
    public enum Behavior { EXCLUSIVE, SHARED, DROP }

    private final Kernel k;
    private final int waitersBit;
    private final WaitQueue[] table = new WaitQueue[1 << PAGE_WAIT_TABLE_BITS];

    /**
     * @param waitersBit the bit that says "someone waits on this word" ({@code PG_waiters})
     */
    public BitWait(Kernel k, int waitersBit) {
        this.k = k;
        this.waitersBit = waitersBit;
        for (int i = 0; i < table.length; i++) {
            table[i] = new WaitQueue(k);
        }
    }

    /** page_waitqueue(): the hashed queue for a word (by its deterministic key, as hash_ptr does). */
    public WaitQueue pageWaitqueue(BitWord w) {
        return table[(int) ((w.waitKey() * 0x61C8864680B583EBL) >>> (64 - PAGE_WAIT_TABLE_BITS))];
    }

    /** What a page waiter is waiting for, and the wake key. */
    static final class Key {
        final BitWord word;
        final int bit;
        boolean pageMatch;

        Key(BitWord word, int bit) {
            this.word = word;
            this.bit = bit;
        }
    }

    /** A bit of a word as a wait-for-graph node: owed by whoever the word says owns the bit. */
    public record BitTarget(BitWord word, int bit) implements WaitTarget {
        @Override
        public String describe() {
            return word.bitName(bit) + " of " + word.describe();
        }

        @Override
        public List<Object> owedBy() {
            Object o = word.bitOwner(bit);
            if (o == null || !word.testBit(bit)) {
                return List.of();
            }
            List<Object> l = new ArrayList<>(1);
            l.add(o);
            return l;
        }
    }

    // ---------------------------------------------------------------- bit locks (lock_page)

    /** trylock_page(): takes the bit if clear. */
    @KernelFunction("trylock_page")
    public boolean trylockBit(BitWord w, int bit) {
        k.sched().point("trylock_page");
        if (w.testAndSetBit(bit)) {
            return false;
        }
        w.setBitOwner(bit, k.sched().current());
        return true;
    }

    /** lock_page() → __lock_page(): takes the bit, sleeping exclusively while another holds it. */
    @KernelFunction("__lock_page")
    public void lockBit(BitWord w, int bit) {
        if (!trylockBit(w, bit)) {
            waitOnBitCommon(w, bit, Behavior.EXCLUSIVE);
        }
    }

    /** unlock_page(): clears the bit (release) and wakes waiters if {@code PG_waiters} is set. */
    @KernelFunction("unlock_page")
    public void unlockBit(BitWord w, int bit) {
        k.sched().point("unlock_page");
        w.setBitOwner(bit, null);
        w.clearBit(bit);
        if (w.testBit(waitersBit)) {
            wakeUpPageBit(w, bit);
        }
    }

    /** wait_on_page_bit(): sleeps (shared) while the bit is set. */
    @KernelFunction("wait_on_page_bit")
    public void waitOnBit(BitWord w, int bit) {
        if (w.testBit(bit)) {
            waitOnBitCommon(w, bit, Behavior.SHARED);
        }
    }

    /** wake_up_page(): wakes waiters on {@code bit} if the word has {@code PG_waiters}. */
    @KernelFunction("wake_up_page")
    public void wakeUpBit(BitWord w, int bit) {
        if (!w.testBit(waitersBit)) {
            return;
        }
        wakeUpPageBit(w, bit);
    }

    /**
     * wake_up_page_bit(): walks the hashed queue with the (word, bit) key, waking one exclusive waiter
     * and every shared one; clears {@code PG_waiters} if no waiter of this word was seen or the queue
     * is now empty.
     */
    public void wakeUpPageBit(BitWord w, int bit) {
        WaitQueue q = pageWaitqueue(w);
        Key key = new Key(w, bit);
        synchronized (q) {
            q.wakeUpLocked(1, key);
            if (!q.active() || !key.pageMatch) {
                w.clearBit(waitersBit);
            }
        }
        if (k.tracing()) {
            k.trace("wake_up_page_bit " + w.bitName(bit) + " of " + w.describe());
        }
    }

    /**
     * wait_on_page_bit_common(): the era is chosen by {@link KernelPatch#PAGE_WAIT_RECHECK}.
     *
     * Context: process context; sleeps.
     */
    @KernelFunction(KernelFunction.HIDDEN) // a dispatcher: the era variants carry the name
    public void waitOnBitCommon(BitWord w, int bit, Behavior b) {
        if (k.has(KernelPatch.PAGE_WAIT_RECHECK)) {
            waitOnBitCommonRecheck(w, bit, b);
        } else {
            waitOnBitCommonWoken(w, bit, b);
        }
    }

    // ---------------------------------------------------------------- pre-5.9 (recheck and loop)

    @KernelFunction("wait_on_page_bit_common")
    private void waitOnBitCommonRecheck(BitWord w, int bit, Behavior b) {
        Scheduler s = k.sched();
        Task cur = s.current();
        WaitQueue q = pageWaitqueue(w);
        boolean excl = b == Behavior.EXCLUSIVE;
        WaitQueue.Entry e = new WaitQueue.Entry(cur, excl ? WaitQueue.WQ_FLAG_EXCLUSIVE : 0,
                BitWait::wakePageFunctionRecheck, new Key(w, bit));
        BitTarget target = new BitTarget(w, bit);
        for (;;) {
            synchronized (q) {
                if (!e.queued()) {
                    if (excl) {
                        q.addTail(e);
                    } else {
                        q.addHead(e);
                    }
                }
                w.setBit(waitersBit);
                s.prepareToSleep(target);
            }
            s.point("wait_on_page_bit_common");
            if (w.testBit(bit)) {
                s.schedule(); // io_schedule()
            }
            if (excl) {
                if (!w.testAndSetBit(bit)) {
                    w.setBitOwner(bit, cur);
                    break;
                }
            } else if (!w.testBit(bit)) {
                break;
            }
        }
        q.finishWait(e);
    }

    /** 4.x wake_page_function(): stop the walk if the bit is set again, for any waiter. */
    private static int wakePageFunctionRecheck(WaitQueue.Entry e, Object keyObj) {
        Key key = (Key) keyObj;
        Key mine = (Key) e.data;
        if (mine.word != key.word) {
            return 0;
        }
        key.pageMatch = true;
        if (mine.bit != key.bit) {
            return 0;
        }
        if (key.word.testBit(key.bit)) {
            return -1; // stop walking if it's locked (set) again
        }
        return WaitQueue.autoremoveWakeFunction(e, key);
    }

    // ---------------------------------------------------------------- 5.9-5.10 (WQ_FLAG_WOKEN)

    @KernelFunction("wait_on_page_bit_common")
    private void waitOnBitCommonWoken(BitWord w, int bit, Behavior b) {
        Scheduler s = k.sched();
        Task cur = s.current();
        WaitQueue q = pageWaitqueue(w);
        WaitQueue.Entry e = new WaitQueue.Entry(cur, 0, BitWait::wakePageFunction, new Key(w, bit));
        BitTarget target = new BitTarget(w, bit);
        int unfairness = PAGE_LOCK_UNFAIRNESS;
        boolean repeat = true;
        while (repeat) {
            repeat = false;
            int flags = 0;
            if (b == Behavior.EXCLUSIVE) {
                flags = WaitQueue.WQ_FLAG_EXCLUSIVE;
                if (--unfairness < 0) {
                    flags |= WaitQueue.WQ_FLAG_CUSTOM;
                }
            }
            e.flags = flags;
            synchronized (q) {
                w.setBit(waitersBit);
                if (!trylockPageBitCommon(w, bit, e)) {
                    q.addTail(e);
                }
            }
            s.point("wait_on_page_bit_common");
            for (;;) {
                s.prepareToSleep(target);
                int f = e.flags; // smp_load_acquire
                if ((f & WaitQueue.WQ_FLAG_WOKEN) == 0) {
                    s.schedule(); // io_schedule()
                    continue;
                }
                if (b != Behavior.EXCLUSIVE) {
                    break; // non-exclusive: done, without re-testing the bit
                }
                if ((f & WaitQueue.WQ_FLAG_DONE) != 0) {
                    break; // the waker took the lock for us
                }
                if (w.testAndSetBit(bit)) {
                    repeat = true; // lost the race: queue again
                    break;
                }
                w.setBitOwner(bit, cur);
                e.flags |= WaitQueue.WQ_FLAG_DONE;
                break;
            }
        }
        q.finishWait(e);
    }

    /** trylock_page_bit_common(): under the queue lock, take (exclusive) or see clear (shared). */
    private static boolean trylockPageBitCommon(BitWord w, int bit, WaitQueue.Entry e) {
        if ((e.flags & WaitQueue.WQ_FLAG_EXCLUSIVE) != 0) {
            if (w.testAndSetBit(bit)) {
                return false;
            }
            w.setBitOwner(bit, e.task);
        } else if (w.testBit(bit)) {
            return false;
        }
        e.flags |= WaitQueue.WQ_FLAG_WOKEN | WaitQueue.WQ_FLAG_DONE;
        return true;
    }

    /** 5.9+ wake_page_function(): the waker checks the bit only for exclusive waiters. */
    private static int wakePageFunction(WaitQueue.Entry e, Object keyObj) {
        Key key = (Key) keyObj;
        Key mine = (Key) e.data;
        if (mine.word != key.word) {
            return 0;
        }
        key.pageMatch = true;
        if (mine.bit != key.bit) {
            return 0;
        }
        int flags = e.flags;
        if ((flags & WaitQueue.WQ_FLAG_EXCLUSIVE) != 0) {
            if (key.word.testBit(key.bit)) {
                return -1;
            }
            if ((flags & WaitQueue.WQ_FLAG_CUSTOM) != 0) {
                if (key.word.testAndSetBit(key.bit)) {
                    return -1;
                }
                key.word.setBitOwner(key.bit, e.task);
                flags |= WaitQueue.WQ_FLAG_DONE;
            }
        }
        e.flags = flags | WaitQueue.WQ_FLAG_WOKEN; // smp_store_release
        e.task.kernel.sched().wakeUpProcess(e.task);
        e.queued = false; // list_del_init_careful
        return (flags & WaitQueue.WQ_FLAG_EXCLUSIVE) != 0 ? 1 : 0;
    }
}
