package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.SpinLock;

/**
 * The LRU lists of one memcg on the node ({@code struct lruvec}, include/linux/mmzone.h; list
 * manipulation from mm/swap.c): inactive/active × anon/file, each an intrusive doubly linked list
 * through the pages, newest at the head, reclaim taking from the tail.
 *
 * <p>All lists of all lruvecs are protected by the node's {@code lru_lock} (4.x:
 * {@code pgdat->lru_lock}), passed in.
 */
public final class Lruvec {
    public static final int LRU_INACTIVE_ANON = 0;
    public static final int LRU_ACTIVE_ANON = 1;
    public static final int LRU_INACTIVE_FILE = 2;
    public static final int LRU_ACTIVE_FILE = 3;
    public static final int NR_LRU_LISTS = 4;
    private static final String[] NAMES = {"inactive_anon", "active_anon", "inactive_file", "active_file"};

    final MemCgroup memcg;
    final SpinLock lruLock;
    private final Page[] head = new Page[NR_LRU_LISTS];
    private final Page[] tail = new Page[NR_LRU_LISTS];
    private final int[] size = new int[NR_LRU_LISTS];

    Lruvec(MemCgroup memcg, SpinLock lruLock) {
        this.memcg = memcg;
        this.lruLock = lruLock;
    }

    /** page_lru_base_type() + active: which list a page belongs on. */
    static int pageLru(Page p) {
        int base = p.isAnon() ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
        return base + (p.testBit(Page.PG_ACTIVE) ? 1 : 0);
    }

    public static String name(int lru) {
        return NAMES[lru];
    }

    /** add_page_to_lru_list(): at the head. Context: lru_lock held. */
    void addPageToLruList(Page p, int lru) {
        p.lruvec = this;
        p.lru = lru;
        p.lruPrev = null;
        p.lruNext = head[lru];
        if (head[lru] != null) {
            head[lru].lruPrev = p;
        } else {
            tail[lru] = p;
        }
        head[lru] = p;
        size[lru]++;
    }

    /** add_page_to_lru_list_tail(). Context: lru_lock held. */
    void addPageToLruListTail(Page p, int lru) {
        p.lruvec = this;
        p.lru = lru;
        p.lruNext = null;
        p.lruPrev = tail[lru];
        if (tail[lru] != null) {
            tail[lru].lruNext = p;
        } else {
            head[lru] = p;
        }
        tail[lru] = p;
        size[lru]++;
    }

    /** del_page_from_lru_list(). Context: lru_lock held. */
    void delPageFromLruList(Page p) {
        int lru = p.lru;
        if (p.lruPrev != null) {
            p.lruPrev.lruNext = p.lruNext;
        } else {
            head[lru] = p.lruNext;
        }
        if (p.lruNext != null) {
            p.lruNext.lruPrev = p.lruPrev;
        } else {
            tail[lru] = p.lruPrev;
        }
        p.lruPrev = null;
        p.lruNext = null;
        p.lruvec = null;
        p.lru = -1;
        size[lru]--;
    }

    /** Pages on a list, oldest (tail) first, at most {@code max}. Context: lru_lock held. */
    List<Page> fromTail(int lru, int max) {
        List<Page> out = new ArrayList<>();
        for (Page p = tail[lru]; p != null && out.size() < max; p = p.lruPrev) {
            out.add(p);
        }
        return out;
    }

    /** Size of one list. */
    public int size(int lru) {
        return size[lru];
    }

    /** Total pages on the file lists. */
    public int fileSize() {
        return size[LRU_INACTIVE_FILE] + size[LRU_ACTIVE_FILE];
    }

}
