# vs-host: an msync of one mapping wrote back (and zeroed past EOF) a page of another mapping of the same file: __generic_file_fsync wrote the inode with a data writeback, not sync_inode_metadata
# faultline fuzz ops: sequence 3000299 (--seed 3000299 --count 1 --ops 200), shrunk from 200 to 8 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed3000299.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed3000299.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  mmap m4 h0 2723840 188416 shared rw
  open h3 /f0 trunc rdwr direct
  fallocate h3 5300 7796
  mmap m6 h3 12288 28672 shared rw
  store m6 1829 379 seed=234
  msync m4
  load m6 1856 1097
