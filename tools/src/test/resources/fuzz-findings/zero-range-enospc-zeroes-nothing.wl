# vs-host: /f0 offset 4096: Faultline's image 0x00, the host's 0xaa (4078 bytes differ)
# A zero-range stopped by ENOSPC changes nothing (ext4_zero_range preallocates the whole range,
# its partial edges included, before it zeroes anything); Faultline zeroed first. Campaign seed 700265.
# reproduce: faultline fuzz ops --vs-host --replay zero-range-enospc-zeroes-nothing.wl
set ram 16M
set image-size 32M
task t
  open h0 /f0 create rdwr
  write h0 4096 4096 seed=5
  write h0 100000 10 seed=6
  fsync h0
  open h1 /fill create rdwr
  expect-error fallocate h1 0 40000000 ENOSPC|ok
  expect-error fallocate h0 3584 7787 zero-range ENOSPC|ok
  close h1
  unlink /fill
