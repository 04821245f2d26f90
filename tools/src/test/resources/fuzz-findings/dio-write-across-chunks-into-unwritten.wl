# data-corruption: data corruption: /f1 offset 3891200: expected 0x2d got 0x00
# faultline fuzz ops: sequence 100184 (--seed 100184 --count 1), shrunk from 100 to 3 statements
# reproduce: faultline fuzz ops --replay data-corruption-seed100184.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img data-corruption-seed100184.wl  (Faultline's own checks)
set ram 16M
set image-size 32M
task t
  open h5 /f1 create wronly direct
  fallocate h5 3847608 148304
  write h5 3630080 564224 seed=939
