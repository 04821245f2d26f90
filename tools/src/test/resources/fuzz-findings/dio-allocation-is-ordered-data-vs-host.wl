# vs-host: /d4/f5 offset 15360: Faultline's image 0xdd, the host's 0x00 (223 bytes differ)
# cause: a direct write from i_size on allocates written blocks, which ext4_map_blocks adds to the running
# transaction's ordered data (ext4_jbd2_inode_add_write); the next commit (fsync h1, another file) writes back
# what a mapping dirtied over them, and that writeback zeroes the EOF page past i_size, so the later direct
# extension exposes zeros, not the bytes stored past EOF. Faultline's dioGetBlock did not add them (it differed
# on the host mkfs's 4 KiB images). HostInterpTest replays it on such an image; KnownFindingsTest on the others.
# faultline fuzz ops: sequence 3000321 (--seed 3000321 --count 1 --ops 200), shrunk from 200 to 17 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed3000321.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed3000321.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h0 /f0 create rdonly
  open h2 /f1 create excl rdwr direct
  open h3 /f2 create rdwr
  open h1 /f1 append wronly
  open h4 /f0 rdwr direct
  open h5 /f0 create rdwr direct
  open h6 /f2 trunc rdwr
  mmap m2 h4 0 212992 shared rw
  rename /f0 /f3
  mkdir /d4
  write h3 3535958 2777 byte=0x75
  mmap m6 h6 0 40960 shared rw
  write h5 0 15360 from m6+20480
  store m2 11166 4417 seed=292
  rename /f3 /d4/f5
  fsync h1
  write h5 2011136 24576 seed=22
