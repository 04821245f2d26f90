package org.faultline.kernel;

/** A page-like word for kernel tests: PG_locked, PG_writeback, PG_waiters. */
final class TestPage extends BitWord {
    static final int PG_LOCKED = 0;
    static final int PG_WRITEBACK = 13;
    static final int PG_WAITERS = 7;

    TestPage(long pfn) {
        super(pfn);
    }

    @Override
    public String bitName(int bit) {
        switch (bit) {
            case PG_LOCKED: return "PG_locked";
            case PG_WRITEBACK: return "PG_writeback";
            case PG_WAITERS: return "PG_waiters";
            default: return "bit " + bit;
        }
    }

    @Override
    public String describe() {
        return "page pfn " + waitKey();
    }
}
