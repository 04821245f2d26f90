# data-corruption: data corruption: /f0 offset 269824: expected 0x00 got 0x3d
# faultline fuzz ops: sequence 701498 (--seed 701498 --count 1), shrunk from 100 to 10 statements
# reproduce: faultline fuzz ops --replay data-corruption-seed701498.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img data-corruption-seed701498.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h0 /f0 create append rdwr
  close h0
  open h1 /f0 wronly direct
  write h1 2093056 74240 seed=604
  write h1 2162688 180224 seed=220
  write h1 0 49152 seed=566
  open h0 /f0 create rdwr direct
  open h3 /f0 trunc rdwr
  write h0 4608 265216 seed=10
  truncate h0 1308129
