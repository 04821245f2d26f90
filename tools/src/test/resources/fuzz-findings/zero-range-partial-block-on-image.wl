# image: /f4 offset 8824: expected 0x00 got 0x78 (4080 bytes differ)
# faultline fuzz ops: sequence 20457 (--seed 20457 --count 1), shrunk from 100 to 3 statements
# reproduce: faultline fuzz ops --replay zero-range-partial-block-on-image.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img zero-range-partial-block-on-image.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h2 /f4 create excl rdwr
  write h2 0 177245 seed=113
  fallocate h2 8824 32768 zero-range
