package org.faultline.block;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.kernel.WaitTarget;
import org.faultline.mm.Page;

/**
 * A block I/O ({@code struct bio}, block/bio.c): an operation on a run of sectors of one device,
 * carrying page vectors and an {@code endIo} callback run in completion (softirq) context.
 *
 * <p>A bio is also a wait-for-graph node. Until it is submitted its I/O is owed by the task that
 * built it — which is how a page's PG_writeback, set while the page sits in a private, unsubmitted
 * bio, leads to the flusher that holds it (bug 3). {@link #bioAddPage} records the bio as the owner
 * of PG_writeback of each page it carries.
 *
 * <p>Fields are written by the owning task until submission, then by the block layer; the
 * completion path writes {@code status} before calling {@code endIo}.
 */
@KernelSource("block/bio.c")
public final class Bio implements WaitTarget {
    /** Bio operations ({@code enum req_opf}). */
    public enum Op {
        READ, WRITE, FLUSH, DISCARD;

        public boolean isWrite() {
            return this != READ;
        }
    }

    /** Request flags ({@code REQ_*}). */
    public static final int REQ_SYNC = 1 << 0;
    public static final int REQ_META = 1 << 1;
    public static final int REQ_PRIO = 1 << 2;
    public static final int REQ_FUA = 1 << 3;
    public static final int REQ_PREFLUSH = 1 << 4;
    public static final int REQ_IDLE = 1 << 5;
    public static final int REQ_BACKGROUND = 1 << 6;
    /** BIO_MAX_PAGES (4.x: 256). */
    public static final int BIO_MAX_PAGES = 256;
    public static final int SECTOR_SHIFT = 9;

    /** Where a bio is in its life, for reports and the wait-for graph. */
    public enum State { BUILDING, PLUGGED, QUEUED, IN_FLIGHT, DONE }

    final long id;
    final Kernel k;
    final BlockDevice bdev;
    final Op op;
    final int opFlags;
    long sector;
    private final List<BioVec> vecs = new ArrayList<>();
    private int size;
    private final int maxVecs;
    volatile BlkStatus status = BlkStatus.OK;
    volatile State state = State.BUILDING;
    final Task owner;
    private Consumer<Bio> endIo;
    private Object privateData;

    Bio(Kernel k, long id, BlockDevice bdev, Op op, int opFlags, int maxVecs) {
        this.k = k;
        this.id = id;
        this.bdev = bdev;
        this.op = op;
        this.opFlags = opFlags;
        this.maxVecs = Math.min(maxVecs, BIO_MAX_PAGES);
        this.owner = k.sched().current();
    }

    /**
     * bio_alloc() + bio_set_dev() + bio->bi_opf: a new, empty bio for {@code bdev}.
     *
     * @param nrVecs vectors it may hold (at most {@value #BIO_MAX_PAGES})
     */
    public static Bio bioAlloc(BlockDevice bdev, Op op, int opFlags, long sector, int nrVecs) {
        Kernel k = bdev.kernel();
        k.sched().point("bio_alloc");
        Bio b = new Bio(k, BlkCore.of(k).nextBioId(), bdev, op, opFlags, nrVecs);
        b.sector = sector;
        return b;
    }

    /**
     * bio_add_page(): appends a segment if the bio has room and stays within the queue's request
     * size limit.
     *
     * @return bytes added: {@code len}, or 0 if the bio is full
     */
    public int bioAddPage(Page page, int len, int offset) {
        if (state != State.BUILDING) {
            throw new IllegalStateException("bio_add_page on a submitted bio");
        }
        if (vecs.size() >= maxVecs || (long) size + len > bdev.queue().limits().maxBytes()) {
            return 0;
        }
        vecs.add(new BioVec(page, offset, len));
        size += len;
        if (op == Op.WRITE && page.testBit(Page.PG_WRITEBACK)) {
            page.setBitOwner(Page.PG_WRITEBACK, this); // its writeback ends when this bio does
        } else if (op == Op.READ && page.testBit(Page.PG_LOCKED)) {
            page.setBitOwner(Page.PG_LOCKED, this); // a read's end_io unlocks the page: the locker waits like anyone
        }
        return len;
    }

    /** The function run on completion, in softirq context ({@code bi_end_io}). */
    public void setEndIo(Consumer<Bio> f) {
        this.endIo = f;
    }

    public Object getPrivate() {
        return privateData;
    }

    /**
     * bio_endio(): records the status and runs {@code endIo}. Context: softirq.
     */
    public void bioEndio(BlkStatus st) {
        status = st;
        state = State.DONE;
        for (BioVec v : vecs) {
            if (op == Op.WRITE && v.page().bitOwner(Page.PG_WRITEBACK) == this) {
                v.page().setBitOwner(Page.PG_WRITEBACK, null);
            } else if (op == Op.READ && v.page().bitOwner(Page.PG_LOCKED) == this) {
                v.page().setBitOwner(Page.PG_LOCKED, null);
            }
        }
        if (endIo != null) {
            endIo.accept(this);
        }
    }

    public long id() {
        return id;
    }

    public Op op() {
        return op;
    }

    public long sector() {
        return sector;
    }

    /** bi_iter.bi_size: bytes. */
    public int size() {
        return size;
    }

    public int sectors() {
        return size >> SECTOR_SHIFT;
    }

    public List<BioVec> vecs() {
        return Collections.unmodifiableList(vecs);
    }

    int vecCount() {
        return vecs.size();
    }

    public BlkStatus status() {
        return status;
    }

    public State state() {
        return state;
    }

    public BlockDevice bdev() {
        return bdev;
    }

    public Task owner() {
        return owner;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("bio #").append(id).append(" (").append(op).append(" ")
                .append(bdev.name()).append(" sector ").append(sector).append('+').append(sectors());
        switch (state) {
            case BUILDING -> sb.append(", not submitted: held by ").append(owner);
            case PLUGGED -> sb.append(", on the plug of ").append(owner);
            case QUEUED -> sb.append(", queued");
            case IN_FLIGHT -> sb.append(", in flight");
            case DONE -> sb.append(", done");
        }
        return sb.append(')').toString();
    }

    @Override
    public List<Object> owedBy() {
        List<Object> l = new ArrayList<>(1);
        if ((state == State.BUILDING || state == State.PLUGGED) && owner != null) {
            l.add(owner);
        }
        return l;
    }

    @Override
    public String toString() {
        return describe();
    }
}
