# THE HOST KERNEL LOSES THESE BYTES TOO (6.18, --vs-host agrees with Faultline): with blocks smaller
# than a page, a direct write that extends the file leaves the old EOF page mapped writable; a later
# store into its blocks now inside EOF never faults into ->page_mkwrite, so no block is reserved for
# them and writeback drops them. The oracle expects them: a kernel data-loss candidate, not a
# Faultline bug (write-protecting the page, as pagecache_isize_extended does for buffered and
# truncate extensions, keeps them and then differs from the host). docs/testing.md.
# image: /f0 offset 6144: expected 0xaf got 0x00 (2042 bytes differ)
# faultline fuzz ops: sequence 8100256 (--seed 8100256 --count 1), shrunk from 100 to 7 statements
# reproduce: faultline fuzz ops --mkfs host:1024 --replay image-seed8100256.wl  (every check), or
#   mkfs.ext4 -F -q -b 1024 x.img 32M && faultline boot --image x.img image-seed8100256.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  open h5 /f0 trunc rdwr direct
  mmap m2 h5 0 217088 shared rw
  write h0 4918 232 seed=256
  store m2 8078 65 seed=747
  write h5 8192 512 seed=2
  store m2 422 10966 seed=12
