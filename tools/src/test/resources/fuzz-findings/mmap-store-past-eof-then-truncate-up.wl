# vs-host: /f1 offset 3321: Faultline's image 0x61, the host's 0x00 (174 bytes differ)
# faultline fuzz ops: sequence 100068 (--seed 100068 --count 1), shrunk from 100 to 6 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed100068.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed100068.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h3 /f1 create rdwr
  open h4 /f1 create rdwr
  mmap m2 h3 0 172032 shared rw
  write h3 0 173 seed=598
  store m2 3321 176 seed=828
  truncate h4 9520
