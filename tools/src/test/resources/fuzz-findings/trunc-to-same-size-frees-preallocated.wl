# vs-host: /f5: size 30560256 on Faultline's image, 30752768 on the host's
# faultline fuzz ops: sequence 300189 (--seed 300189 --count 1), shrunk from 100 to 6 statements
# reproduce: faultline fuzz ops --vs-host --replay vs-host-seed300189.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img vs-host-seed300189.wl  (Faultline's own checks)
set ram 32M
set image-size 32M
task t
  open h0 /f0 create rdwr
  fallocate h0 2256896 188852 keep-size zero-range
  close h0
  open h0 /f0 trunc append rdwr
  open h7 /f5 create rdwr
  expect-error fallocate h7 0 40600862 ENOSPC|ok
