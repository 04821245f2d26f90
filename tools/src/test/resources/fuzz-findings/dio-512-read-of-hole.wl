# data-corruption: data corruption: /f0 offset 1771520: expected 0x00 got 0xb7
# faultline fuzz ops: sequence 20006 (--seed 20006 --count 1), shrunk from 100 to 5 statements
# reproduce: faultline fuzz ops --replay dio-512-read-of-hole.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img dio-512-read-of-hole.wl  (Faultline's own checks)
set ram 32M
set image-size 32M
task t
  open h0 /f0 create rdwr direct
  open h1 /f1 create excl rdwr direct
  truncate h0 2355200
  write h1 0 61440 seed=812
  read h0 1746944 32768
