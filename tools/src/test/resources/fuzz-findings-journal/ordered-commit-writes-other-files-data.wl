# vs-host: fuzz-3000267.wl:13: load m1 3927 120: byte 104 of the result: Faultline 0xc7, the host 0x00
# faultline fuzz ops: sequence 3000267 (--seed 3000267 --count 1 --ops 200), shrunk from 200 to 10 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed3000267.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed3000267.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h2 /f3 create rdwr
  mkdir /d4
  open h3 /d4/f5 create excl rdwr
  mmap m1 h3 0 172032 shared rw
  write h3 6309 3445 byte=0xac
  store m1 2703 7523 seed=793
  truncate h3 3461
  store m1 4031 2 seed=809
  fsync h2
  load m1 3927 120
