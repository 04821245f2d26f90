# vs-host: /f2 offset 462848: Faultline's image 0xa7, the host's 0x00 (1023 bytes differ)
# drop-caches drops clean pages only: a page a mapping dirtied past EOF keeps those bytes (on the host
# too, now that its drop-caches is echo 1 > drop_caches, not POSIX_FADV_DONTNEED). Seed 900389.
# reproduce: faultline fuzz ops --vs-host --replay drop-caches-keeps-dirty-pages.wl
set ram 16M
set image-size 32M
task t
  open h2 /f2 create excl rdwr direct
  open h3 /f3 create excl rdwr
  write h3 5029 578 seed=208
  mmap m1 h3 0 155648 shared rw
  store m1 4528 2939 seed=824
  drop-caches
  write h2 462848 1024 from m1+6144
