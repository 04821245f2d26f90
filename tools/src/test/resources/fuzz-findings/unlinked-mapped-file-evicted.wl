# workload-error: workload error: fuzz-20182.wl:9: load m4 48927 16610 failed with EFAULT
# faultline fuzz ops: sequence 20182 (--seed 20182 --count 1), shrunk from 100 to 6 statements
# reproduce: faultline fuzz ops --replay unlinked-mapped-file-evicted.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img unlinked-mapped-file-evicted.wl  (Faultline's own checks)
set ram 32M
set image-size 32M
task t
  open h2 /f2 create rdwr direct
  mmap m4 h2 131072 77824 shared rw
  truncate h2 303104
  unlink /f2
  close h2
  load m4 48927 16610
