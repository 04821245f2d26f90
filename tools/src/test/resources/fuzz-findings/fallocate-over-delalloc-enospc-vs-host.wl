# vs-host: /f3: size 30646272 on Faultline's image, 30695424 on the host's
# faultline fuzz ops: sequence 100073 (--seed 100073 --count 1), shrunk from 100 to 5 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed100073.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed100073.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h1 /f0 create rdwr
  write h1 328358 54229 seed=62
  fallocate h1 332632 45056 keep-size
  open h3 /f3 create rdwr
  expect-error fallocate h3 0 35232153 ENOSPC|ok
