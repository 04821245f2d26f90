# vs-host: fuzz-30121.wl:12: load m4 128257 48364: byte 31487 of the result: Faultline 0x00, the host 0x81
# faultline fuzz ops: sequence 30121 (--seed 30121 --count 1 --fill-percent 40), shrunk from 100 to 9 statements
# reproduce: faultline fuzz ops --vs-host --replay private-cow-page-survives-truncate.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img private-cow-page-survives-truncate.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h0 /f0 create rdwr
  open h3 /f0 rdonly direct
  mmap m4 h3 1019904 217088 private rw
  open h5 /f0 rdwr
  write h5 3670707 437991 seed=842
  store m4 163085 674 byte=0xd
  truncate h0 349204
  write h5 343053 878417 byte=0x81
  load m4 128257 48364
