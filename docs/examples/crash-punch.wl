# xfstests generic/392's punch-hole case for 'faultline crash' (docs/crash.md): a hole punched and
# fdatasynced must survive a crash, with the blocks freed. Finds the loss the extent-manipulation
# fdatasync fix closed: 'faultline crash ... --patch -ext4-fdatasync-after-extent-manipulation'.
set ram 32M
task t
  open a /a create rdwr
  write a 0 256k seed=1
  fsync a
  fallocate a 64k 64k punch
  fdatasync a
  fallocate a 160k 32k zero-range
  fdatasync a
  write a 0 4k seed=3
