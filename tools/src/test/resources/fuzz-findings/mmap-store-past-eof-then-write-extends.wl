# vs-host: /f0 offset 3291: Faultline's image 0x7f, the host's 0x00 (206 bytes differ)
# faultline fuzz ops: sequence 100353 (--seed 100353 --count 1), shrunk from 100 to 5 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed100353.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed100353.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h0 /f0 create excl rdwr
  mmap m0 h0 0 225280 shared rw
  write h0 0 381 byte=0x22
  store m0 3291 206 seed=967
  write h0 54695 2932 seed=556
