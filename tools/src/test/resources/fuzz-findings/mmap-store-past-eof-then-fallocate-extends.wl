# vs-host: /f0 offset 86031: Faultline's image 0x95, the host's 0x00 (3369 bytes differ)
# faultline fuzz ops: sequence 200933 (--seed 200933 --count 1), shrunk from 100 to 8 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed200933.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed200933.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h0 /f0 create rdonly direct
  open h1 /f0 rdwr
  mmap m0 h1 0 155648 shared rw
  open h3 /f0 trunc append wronly
  fallocate h1 4955 72884 zero-range
  write h3 2306048 8192 byte=0x28
  store m0 73881 15535 seed=275
  fallocate h3 94345 6098
