# data-corruption: data corruption: /f4: size 0, expected 645493
# faultline fuzz ops: sequence 20007 (--seed 20007 --count 1), shrunk from 100 to 6 statements
# reproduce: faultline fuzz ops --replay unlinked-mapped-inode-reused.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img unlinked-mapped-inode-reused.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h1 /f2 create excl rdwr
  unlink /f2
  mmap m0 h1 2088960 245760 private ro
  write h1 608629 36864 seed=172
  close h1
  open h5 /f4 create excl rdwr direct
