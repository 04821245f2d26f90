# vs-host: /f0 offset 32635: Faultline's image 0x8e, the host's 0x00 (47 bytes differ)
# faultline fuzz ops: sequence 100304 (--seed 100304 --count 1), shrunk from 100 to 6 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed100304.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed100304.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h0 /f0 create excl rdwr direct
  mmap m0 h0 0 258048 shared rw
  write h0 28160 3584 byte=0xd0
  store m0 32635 47 seed=292
  read h0 0 326144
  write h0 1507328 53248 byte=0xf
