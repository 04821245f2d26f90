# Bug 1, second variant (Jan Kara, 2018): no reclaim, no crash — and still wrong.
#
# As in gup-dio-dirty-no-buffers, dio reads /file2 with O_DIRECT into a MAP_SHARED mapping of
# /file1, but nothing presses on memory. sync's writeback cleans the pages and write-protects their
# mappings while the read is in flight; the read's completion then dirties them with
# set_page_dirty_lock, behind the filesystem's back: no page_mkwrite ran since they were cleaned, so
# no blocks were reserved and no journal credits taken. Nothing crashes; the invariant checker
# reports the page dirtied without page_mkwrite since it was cleaned.
set kernel 4.16
set debug-vm on
set ram 16M
set image-size 8M
set strategy pct
set depth 3
set iterations 2000
task dio
  open f1 /file1 create rdwr
  write f1 0 16k zero
  open f2 /file2 create rdwr
  write f2 0 16k seed=2
  fsync f1
  fsync f2
  close f2
  open d /file2 rdonly direct
  mmap m f1 0 16k shared rw
  barrier ready
  read d 0 16k into m
  munmap m
  fsync f1
  drop-caches
  read f1 0 16k
task sync
  barrier ready
  loop 3
    sync
  end
