# deadlock: deadlock: wait-for cycle between t:5
# faultline fuzz ops: sequence 20312 (--seed 20312 --count 1), shrunk from 100 to 10 statements
# reproduce: faultline fuzz ops --replay near-full-fsync-deadlock.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img near-full-fsync-deadlock.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  write h0 0 491 zero
  write h0 1698971 24576 seed=800
  sync
  fallocate h0 3543040 20480
  open h1 /f4 create rdwr
  expect-error fallocate h1 0 43285217 ENOSPC|ok
  expect-error write h1 2295957 233513 seed=717 ENOSPC|ok
  expect-error fsync h1 ENOSPC|EIO|ok
  unlink /f4
