# vs-host, hand-written after the rename case (fuzz ops --seed 2000327): a file truncated to 0 and
# written again has its delayed data pushed to writeback when its last descriptor closes
# (ext4_truncate sets EXT4_STATE_DA_ALLOC_CLOSE, ext4_release_file calls ext4_alloc_da_blocks);
# writeback zeroes what a mapping stored past EOF, so the mapping reads zeros after the close.
# Without auto_da_alloc on close, Faultline read the stored 0x33.
set ram 64M
set image-size 32M
task t
  open h /f create rdwr
  write h 0 5000 byte=0x11
  fsync h
  truncate h 0
  write h 0 5000 byte=0x22
  open g /f rdwr
  mmap m g 0 8192 shared rw
  store m 5000 1000 byte=0x33
  close h
  load m 5000 1000
