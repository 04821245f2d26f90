# vs-host: fuzz-901731.wl:10: load m0 1484 2416: byte 395 of the result: Faultline 0x00, the host 0xff
# ext4_zero_range (6.6) writes nothing back: the EOF page stays dirty, with what a mapping stored
# past EOF; Faultline wrote the range back first, and writeback zeroed the page past EOF. Seed 901731.
# reproduce: faultline fuzz ops --vs-host --replay zero-range-keeps-dirty-eof-page.wl
set ram 16M
set image-size 32M
task t
  open h0 /f0 create excl wronly
  open h2 /f0 rdwr
  fallocate h0 0 562 zero-range
  mmap m0 h2 0 262144 shared rw
  store m0 1879 505 seed=352
  fallocate h0 392 559 zero-range
  load m0 1484 2416
