# data-corruption: data corruption: /f1 offset 335: expected 0x00 got 0x2c
# faultline fuzz ops: sequence 20022 (--seed 20022 --count 1), shrunk from 100 to 3 statements
# reproduce: faultline fuzz ops --replay punch-partial-block.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img punch-partial-block.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h2 /f1 create excl rdwr direct
  write h2 0 512 byte=0x2c
  fallocate h2 335 389 keep-size punch
