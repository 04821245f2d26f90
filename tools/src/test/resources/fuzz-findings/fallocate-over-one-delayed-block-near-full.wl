# vs-host: /f0: size 30748672 on Faultline's image, 30752768 on the host's
# faultline fuzz ops: sequence 201181 (--seed 201181 --count 1), shrunk from 105 to 4 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed201181.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed201181.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  open h1 /f0 rdwr
  write h1 0 2406 byte=0x2d
  expect-error fallocate h0 0 39594229 ENOSPC|ok
