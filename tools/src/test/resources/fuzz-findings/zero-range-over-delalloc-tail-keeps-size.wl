# image: /f3: size 233472, expected 248512
# A zero-range over delayed data reaching EOF drops that data from the cache before writeback ever
# moved i_disksize: ext4_update_disksize_before_punch brings the on-disk size up to i_size first.
# (Found once zero-range stopped writing back; campaign seed 900189.)
# reproduce: faultline fuzz ops --replay zero-range-over-delalloc-tail-keeps-size.wl
set ram 16M
set image-size 32M
task t
  open h3 /f3 create rdwr
  write h3 38760 209752 seed=930
  fallocate h3 230143 719893 keep-size zero-range
