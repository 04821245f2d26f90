# workload-error: workload error: fuzz-20271.wl:7: write h0 0 512 seed=788 failed with EIO, expected ENOSPC or success
# faultline fuzz ops: sequence 20271 (--seed 20271 --count 1), shrunk from 100 to 4 statements
# reproduce: faultline fuzz ops --replay enospc-dio-write-eio.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img enospc-dio-write-eio.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h0 /f0 create excl rdwr direct
  open h4 /f1 create rdwr
  expect-error fallocate h4 0 34561064 ENOSPC|ok
  expect-error write h0 0 512 seed=788 ENOSPC|ok
