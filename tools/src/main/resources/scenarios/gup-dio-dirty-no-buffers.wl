# Bug 1 (Jan Kara, 2018): a dirty page without buffers reaches ext4 writeback.
#
# dio maps /file1 MAP_SHARED and reads /file2 with O_DIRECT into that mapping: get_user_pages faults
# file1's pages in for write (page_mkwrite attaches buffers) and holds references. Meanwhile sync
# cleans and write-protects them, and hog's memory pressure makes reclaim write them back and strip
# their buffers, but not free them (the direct I/O still holds them). The read's completion dirties
# them again with set_page_dirty_lock: dirty pages without buffers. The next writeback of /file1
# meets page_buffers() on one: kernel BUG at fs/ext4/inode.c. If the crash is turned into a warning,
# the data read into /file1 is lost, and the read-back after drop-caches sees it.
#
# The report was of a production kernel, without CONFIG_DEBUG_VM: with its checks on, the invariant
# "page dirtied without page_mkwrite since it was cleaned" fires first, at the read's completion —
# the root cause, which gup-dio-redirty-no-reclaim shows on its own.
set kernel 4.16
set debug-vm off
set ram 4M
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
  barrier done
task sync
  barrier ready
  loop 3
    sync
  end
  barrier done
task hog
  barrier ready
  expect-error anon a 4000k EFAULT|ok
  barrier done
