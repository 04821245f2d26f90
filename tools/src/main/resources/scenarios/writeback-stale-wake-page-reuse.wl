# Bug 4, page-reuse variant (Hugh Dickins, 073861ed77b6, in 5.10-rc): the stale wake-up reaches a
# page frame that was freed and reused between end_page_writeback's clear and its wake-up.
#
# syncer1's sync writes /a back; its completion clears PG_writeback, and before it wakes the
# page's waiters the CPU is delayed. sync, seeing the bit clear, returns; truncator truncates /a and
# frees the frame, since nothing holds a reference across clear and wake. writer's page of /b is that
# very frame. syncer2's sync puts it under writeback — on the delayed CPU's queue — writer dirties it
# again and fsyncs: write_cache_pages waits for that writeback, the only one /b ever had, and the old
# completion's wake-up, meant for /a, wakes it. Waiters no longer recheck (2a9127fcf229, 5.9): kernel
# BUG at mm/page-writeback.c. 5.10 itself has 073861ed77b6 (end-page-writeback-get-page: a reference
# across clear and wake, so the frame cannot be freed meanwhile); this scenario takes it out.
#
# Tasks run on CPUs by pid (kworker 4, truncator 5, writer 6, syncer1 7, syncer2 8) over the two
# hardware queues: the flusher's writeback of /a and /b shares the delayed queue, the syncs' metadata
# I/O goes to the other.
set kernel 5.10
set patch -end-page-writeback-get-page
set iomap on
set ram 4M
set image-size 8M
set strategy pct
set depth 3
set iterations 2000
task truncator
  open a /a create rdwr
  open b /b create rdwr
  write a 0 4k seed=1
  barrier written
  barrier synced
  truncate a 0
  barrier freed
task writer
  barrier freed
  open b /b rdwr
  write b 0 4k seed=2
  barrier dirty
  write b 0 4k seed=3
  fsync b
task syncer1
  barrier written
  sync
  barrier synced
task syncer2
  barrier dirty
  sync
