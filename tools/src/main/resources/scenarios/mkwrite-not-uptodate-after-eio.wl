# Bug 2 (Willy, Dave Chinner, 2020): page_mkwrite on a page that is no longer Uptodate.
#
# mapper writes /f and fsyncs it, maps it shared and stores to it. The next writeback fails at
# submission (fail-write: the second block mapping of /f in writeback returns -EIO); iomap's error
# path discards the page — clears PG_uptodate — and leaves it mapped. The next store faults into
# iomap_page_mkwrite on the !Uptodate page (WARN_ON_ONCE on 5.8) and dirties it anyway. read() then
# re-reads the old block from the disk: the data the mapping showed teleports backwards, and the
# oracle reports the read.
set kernel 5.8
set iomap on
set ram 16M
set image-size 8M
set fail-write /f nth=2 EIO
set strategy pct
set depth 3
set iterations 2000
task mapper
  open f /f create rdwr
  write f 0 4k seed=1
  fsync f
  mmap m f 0 4k shared rw
  store m 0 4 seed=2
  expect-error fsync f EIO
  expect-error store m 0 4 seed=3 EFAULT|ok
  read f 0 4
