# Sequential read(2) of a file not in the page cache: written and fsynced, the caches dropped, then
# read back (readahead and the block layer's reads). On the host, drop-caches drops the host's whole
# page cache (as root; else POSIX_FADV_DONTNEED on the file). Faultline's image may still be in the
# host's page cache: use --direct for a device-cold comparison.
param size 256M
param bs 1M
set ram 256M
set image-size $size+$size/4+64M
task reader
  open f /bench.dat create trunc wronly
  loop $size/1M
    write f $i*1M 1M byte=90
  end
  fsync f
  close f
  drop-caches
  open f /bench.dat rdonly
  measure
  loop $size/$bs
    read f $i*$bs $bs
  end
  close f
