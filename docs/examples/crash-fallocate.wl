# xfstests generic/468 for 'faultline crash' (docs/crash.md): preallocation with and without
# keep-size, then fdatasync; a crash must keep the size and the blocks fdatasync saw. Finds the loss
# 67a7d5f561f4 (v4.15) fixed: 'faultline crash ... --patch -ext4-fdatasync-after-fallocate'.
set ram 32M
task t
  open a /a create rdwr
  write a 0 64k seed=1
  fsync a
  fallocate a 64k 64k keep-size
  fdatasync a
  open b /b create rdwr
  write b 0 64k seed=2
  fsync b
  fallocate b 64k 64k
  fdatasync b
  write a 0 4k seed=3
  write b 0 4k seed=4
