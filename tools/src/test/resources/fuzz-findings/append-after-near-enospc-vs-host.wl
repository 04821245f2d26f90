# vs-host: /f1 offset 1040384: Faultline's image 0xad, the host's 0x00 (outside what near-ENOSPC statements changed)
# faultline fuzz ops: sequence 2000243 (--seed 2000243 --count 1), shrunk from 100 to 14 statements.
# A comparison bug: the near-ENOSPC write may get a few blocks on one kernel and none on the other, so
# the file's size differs, and the later O_APPEND write lands at a different offset on each. The
# tolerance now covers an append to a file a near-ENOSPC statement changed (FileTracker.landsAtSize).
set ram 32M
set image-size 32M
task t
  open h0 /f0 create rdwr direct
  write h0 36352 4096 seed=119
  open h1 /f0 rdwr
  rename /f0 /f1
  close h0
  write h1 495941 47355 seed=384
  write h1 987136 53248 seed=795
  open h0 /f4 create rdwr
  expect-error fallocate h0 0 39258685 ENOSPC|ok
  expect-error write h1 1743149 481880 seed=639 ENOSPC|ok
  close h0
  unlink /f4
  open h0 /f1 append rdwr
  write h0 3225782 4096 byte=0xad
