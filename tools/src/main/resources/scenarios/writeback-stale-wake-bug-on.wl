# Bug 4 (Linus, 2021): BUG_ON(PageWriteback) in write_cache_pages after wait_on_page_writeback.
#
# Two tasks rewrite the first page of /f and fsync it, six times each. One writeback's
# end_page_writeback clears PG_writeback, and before its wake-up another task starts a new writeback
# of the page; an fsync (write_cache_pages, WB_SYNC_ALL) waiting on the page is then woken by the
# stale wake-up and, on 5.10, does not recheck the bit: kernel BUG at mm/page-writeback.c.
set kernel 5.10
set iomap on
set ram 4M
set image-size 8M
set strategy pct
set depth 3
set iterations 2000
task fsync0
  open f /f create rdwr
  barrier created
  loop 6
    write f 0 4k seed=$i
    fsync f
  end
task fsync1
  barrier created
  open f /f rdwr
  loop 6
    write f 0 4k seed=16+$i
    fsync f
  end
