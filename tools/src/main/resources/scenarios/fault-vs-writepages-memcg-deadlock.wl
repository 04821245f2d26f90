# Bug 3 (Liu Bo, Jan Kara, Dave Chinner, Michal Hocko, 2018): a page fault deadlocks with
# ext4_writepages under legacy memcg reclaim.
#
# faulter, in a v1 memcg near its limit, rewrites /data (dirty again, blocks already allocated) and
# faults on its pages while sync makes the flusher write them back. The flusher, in
# mpage_prepare_extent_to_map, puts page A under writeback into its private bio (not yet submitted)
# and blocks in lock_page(B); the fault holds B locked (filemap_fault) and allocates a page table
# (pte_alloc_one, charged to the memcg); the charge reclaims and, legacy memcg, waits for A's
# writeback. Neither moves: the wait-for graph prints the cycle through the unsubmitted bio.
#
# PCT depth 4: on 4.20 it finds the deadlock in about 1 schedule of 26 (depth 3: 1 of 130), and on
# 5.12, where the fix was undone among 5.x's other changes, in 1 of 190 (depth 3: 1 of 5,000).
set kernel 4.20
set ram 8M
set image-size 8M
set strategy pct
set depth 4
set iterations 2000
memcg app 160k v1
task faulter in memcg app
  open f /data create rdwr
  loop 24
    write f $i*4k 4k seed=$i
  end
  fsync f
  loop 24
    write f $i*4k 4k seed=100+$i
  end
  mmap m f 0 96k shared ro
  barrier ready
  # the first fault allocates the page table (pte_alloc_one): at the last page, so that the flusher
  # can hold the pages before it in its bio; a fault that fails (memcg OOM) stops the loads
  expect-error load m 92k 1 EFAULT|ok
  expect-error load m 0 92k EFAULT|ok
  munmap m
  barrier done
task sync
  barrier ready
  sync
task hog in memcg app
  barrier ready
  expect-error anon a 120k EFAULT|ok
  barrier done
