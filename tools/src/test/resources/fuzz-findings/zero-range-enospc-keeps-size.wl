# vs-host: /f0: size 3829760 on Faultline's image, 0 on the host's
# faultline fuzz ops: sequence 100073 (--seed 100073 --count 1), shrunk from 100 to 4 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed100073.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed100073.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h1 /f0 create rdwr
  open h3 /f3 create rdwr
  expect-error fallocate h3 0 35232153 ENOSPC|ok
  expect-error fallocate h1 3830584 71 zero-range ENOSPC|ok
