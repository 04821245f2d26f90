# data-corruption: data corruption: private mapping m0 of /f0 offset 22036: expected 0x3c got 0x00
# faultline fuzz ops: sequence 300631 (--seed 300631 --count 1), shrunk from 100 to 8 statements
# reproduce: faultline fuzz ops --replay data-corruption-seed300631.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img data-corruption-seed300631.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h0 /f0 create rdwr
  mmap m0 h0 0 28672 private rw
  write h0 0 165416 seed=215
  open h2 /f2 create excl rdwr
  open h3 /f2 rdwr direct
  read h3 0 3584 into m0+22528
  write h0 0 400017 zero
  load m0 22036 6282
