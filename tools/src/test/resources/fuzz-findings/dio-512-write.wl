# data-corruption: data corruption: /f1 offset 659968: expected 0x25 got 0xff
# faultline fuzz ops: sequence 20074 (--seed 20074 --count 1), shrunk from 100 to 2 statements
# reproduce: faultline fuzz ops --replay dio-512-write.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img dio-512-write.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h1 /f1 create rdwr direct
  write h1 393728 573952 seed=269
