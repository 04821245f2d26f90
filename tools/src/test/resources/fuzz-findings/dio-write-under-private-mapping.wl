# data-corruption: a direct write left a clean cached page mapped by a private read-only mapping; later reads saw the stale page
# (invalidate_inode_pages2_range unmaps and drops it). faultline fuzz ops sequence 1026, shrunk to 7 statements
set ram 32M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  close h0
  open h0 /f0 rdwr direct
  write h0 114176 50176 byte=0x24
  mmap m0 h0 0 45056 private ro
  load m0 1187 39487
  write h0 0 512 byte=0x80
