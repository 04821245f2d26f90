# vs-host: /f4 offset 2499: Faultline's image 0x00, the host's 0xb7 (13 bytes differ)
# faultline fuzz ops: sequence 200245 (--seed 200245 --count 1), shrunk from 100 to 5 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed200245.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed200245.wl  (Faultline's own checks)
set ram 64M
set image-size 32M
task t
  open h3 /f4 create rdwr direct
  mmap m1 h3 0 122880 shared rw
  fallocate h3 0 191
  store m1 2499 13 seed=896
  write h3 1638400 512 seed=960
