# data-corruption: data corruption: /f0 offset 32768: expected 0x1d got 0x00
# faultline fuzz ops: sequence 300764 (--seed 300764 --count 1), shrunk from 100 to 8 statements
# 1 KiB blocks (--mkfs host:1024): a store through a mapping into a block the zero-range had freed, without a fault
# reproduce: faultline fuzz ops --replay zero-range-inside-a-page-keeps-later-stores.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img zero-range-inside-a-page-keeps-later-stores.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h0 /f0 create rdwr direct
  mmap m3 h0 0 53248 shared rw
  truncate h0 1857538
  store m3 33990 10542 seed=660
  fallocate h0 0 34049 zero-range
  open h1 /f0 rdwr direct
  store m3 3395 33570 seed=695
  read h1 0 2099200
