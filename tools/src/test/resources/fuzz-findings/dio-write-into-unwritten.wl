# data-corruption: data corruption: /f1 offset 12288: expected 0x40 got 0x00
# faultline fuzz ops: sequence 20011 (--seed 20011 --count 1), shrunk from 100 to 3 statements
# reproduce: faultline fuzz ops --replay dio-write-into-unwritten.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img dio-write-into-unwritten.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h1 /f1 create rdwr direct
  fallocate h1 365 65536
  write h1 12288 512 byte=0x40
