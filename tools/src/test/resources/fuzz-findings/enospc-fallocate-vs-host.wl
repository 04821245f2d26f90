# vs-host: /f6: size 0 on Faultline's image, 30752768 on the host's
# faultline fuzz ops: sequence 30010 (--seed 30010 --count 1 --fill-percent 40), shrunk from 100 to 2 statements
# reproduce: faultline fuzz ops --vs-host --replay enospc-fallocate-vs-host.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img enospc-fallocate-vs-host.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h8 /f6 create rdwr
  expect-error fallocate h8 0 32212254 ENOSPC|ok
