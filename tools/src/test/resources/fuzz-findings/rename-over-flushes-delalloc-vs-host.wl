# vs-host: load m1 27630 9159: byte 6652 of the result: Faultline 0x45, the host 0x00
# faultline fuzz ops: sequence 2000327 (--seed 2000327 --count 1), shrunk from 100 to 8 statements.
# A rename over an existing name (here a symlink) makes ext4 push the source's delayed-allocation
# data to writeback first (ext4_rename -> ext4_alloc_da_blocks: auto_da_alloc); writeback zeroes
# what the store put past EOF in the EOF page, and the other mapping reads zeros. Faultline had no
# auto_da_alloc on rename: the stored bytes stayed.
set ram 64M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  mmap m0 h0 0 172032 shared rw
  mmap m1 h0 0 184320 shared rw
  symlink aciu1zj46/ib713ezhsi12l4a/d/k90l3qlf4zt9802t/2x3/2/6877984/ /s1
  write h0 30636 3646 byte=0x4e
  store m0 9176 26167 seed=623
  rename /f0 /s1
  load m1 27630 9159
