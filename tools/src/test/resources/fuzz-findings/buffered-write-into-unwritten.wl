# data-corruption: data corruption: /f0 offset 61440: expected 0x00 got 0xff
# faultline fuzz ops: sequence 20018 (--seed 20018 --count 1), shrunk from 100 to 4 statements
# reproduce: faultline fuzz ops --replay buffered-write-into-unwritten.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img buffered-write-into-unwritten.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h0 /f0 create rdwr
  open h3 /f0 create trunc rdwr
  fallocate h0 27937 172118 keep-size
  write h3 61764 32768 byte=0x4e
