# THE HOST KERNEL LOSES THESE BYTES TOO (6.18, --vs-host agrees with Faultline): with blocks smaller
# than a page, a direct write that extends the file leaves the old EOF page mapped writable; a later
# store into its blocks now inside EOF never faults into ->page_mkwrite, so no block is reserved for
# them and writeback drops them. The oracle expects them: a kernel data-loss candidate, not a
# Faultline bug (write-protecting the page, as pagecache_isize_extended does for buffered and
# truncate extensions, keeps them and then differs from the host). docs/testing.md.
# image: /f1 offset 3316736: expected 0x44 got 0x00 (1024 bytes differ)
# faultline fuzz ops: sequence 8100118 (--seed 8100118 --count 1), shrunk from 100 to 9 statements
# reproduce: faultline fuzz ops --mkfs host:1024 --replay image-seed8100118.wl  (every check), or
#   mkfs.ext4 -F -q -b 1024 x.img 32M && faultline boot --image x.img image-seed8100118.wl  (Faultline's own checks)
set ram 32M
set image-size 32M
task t
  open h0 /f0 create excl rdwr direct
  open h1 /f0 rdwr
  write h1 3234168 82454 zero
  rename /f0 /f1
  mmap m0 h1 3301376 94208 shared rw
  store m0 6119 6491 zero
  open h2 /f1 create rdwr direct
  write h2 3317760 577536 seed=32
  store m0 8444 15654 byte=0x44
