# Stores through a shared mapping of a file, msync (MS_SYNC) after each --bs: a database writing its
# pages in place through mmap. The file is mapped a window at a time (a mapping is at most 64M here).
# Each store faults its pages in (page_mkwrite: blocks reserved), msync writes them back.
param size 256M
param bs 1M
param window 16M
set ram 256M
set image-size $size+$size/4+64M
task writer
  open f /bench.dat create trunc rdwr
  truncate f $size
  measure
  loop $size/$window j
    mmap m f $j*$window $window shared rw
    loop $window/$bs
      store m $i*$bs $bs byte=90
      msync m
    end
    munmap m
  end
  close f
