# vs-host: /f2 offset 2759: Faultline's image 0xf4, the host's 0x00 (outside what near-ENOSPC statements changed)
# faultline fuzz ops: sequence 1200154 (--seed 1200154 --count 1), shrunk from 100 to 100 statements
# reproduce: faultline fuzz ops --vs-host --mkfs host --replay vs-host-seed1200154.wl  (every check), or
#   mkfs.ext4 -F -q -b 4096 x.img 32M && faultline boot --image x.img vs-host-seed1200154.wl  (Faultline's own checks)
set ram 32M
set image-size 32M
task t
  symlink /lost+found /s0
  rename /s0 /f1
  open h0 /f2 create excl rdwr
  mmap m0 h0 0 49152 shared ro
  fallocate h0 0 41036
  chown /f2 100000 100
  write h0 0 415 seed=282
  load m0 2415 42051
  mmap m1 h0 0 212992 shared rw
  open h1 /f2 rdwr direct
  truncate h1 2168937
  truncate h1 0
  mmap m2 h0 0 73728 shared ro
  fallocate h0 2592768 317 keep-size punch
  fallocate h1 30549 3913 keep-size punch
  read h0 0 32645
  fallocate h1 0 99364 keep-size
  mmap m3 h0 0 40960 shared rw
  write h0 2118783 511 byte=0xfb
  store m1 172303 276 seed=307
  drop-caches
  store m1 149923 45760 zero
  mmap m4 h1 1753088 126976 shared rw
  read h0 0 744938
  fsync h1
  symlink 223x581m22r7/239irk4y/l0/872z2/6476w35m/zh49037t4e11lq689r86 /s3
  fallocate h1 1824857 3803
  write h1 2326528 20480 seed=368
  truncate h0 2342042
  write h0 2266683 278 seed=733
  write h0 536150 483 seed=67
  munmap m4
  truncate h1 0
  mmap m5 h1 0 114688 shared rw
  stat /f2
  unlink /f1
  fallocate h1 0 198 keep-size
  write h1 258048 512 seed=286
  open h2 /f2 create rdwr
  chmod / 0700
  fsync h0
  open h3 /f4 create rdwr direct
  fallocate h1 1402360 4832 keep-size
  read h2 604717 258560
  truncate h2 0
  symlink f4 /s5
  read h0 0 8192
  write h3 4608 512 byte=0xd0
  fallocate h1 0 314
  read h3 2302464 45056
  write h1 0 512 seed=162
  store m1 2759 715 seed=782
  open h4 /f2 rdwr direct
  read h1 13824 512
  write h4 50176 512 seed=717
  stat /f4
  link /s3 /f6
  open h5 /f2 rdwr
  fsync h1
  drop-caches
  write h4 2928640 3584 zero
  close h3
  load m1 142706 58703
  open h3 /f4 rdonly direct
  drop-caches
  fsync h3
  read h1 1589248 20480
  stat /f4
  write h5 1792320 1202 seed=47
  stat /f2
  symlink gnx745ta/e11k/i/91/1/2/38605gl15a4m93wso1ci2o4q3/9m2/slwu4 /s7
  write h2 3264512 152869 seed=223
  unlink /s5
  write h5 3432321 265 byte=0xe8
  read h2 1936758 3432960
  open h6 /f8 create rdwr
  expect-error fallocate h6 0 26508001 ENOSPC|ok
  expect-error write h6 2547070 40960 seed=829 ENOSPC|ok
  expect-error fallocate h0 394389 135 ENOSPC|ok
  expect-error fallocate h2 3440383 3947 ENOSPC|ok
  expect-error fsync h2 ENOSPC|EIO|ok
  close h6
  unlink /f8
  write h5 3438929 75 byte=0xbc
  truncate h0 3784098
  write h5 0 355 seed=722
  close h2
  write h5 3460348 12288 byte=0x5f
  fallocate h4 55971 32768
  store m3 4654 35649 seed=897
  write h5 12990 707702 seed=826
  drop-caches
  read h3 0 45568 into m5+64512
  open h7 /f4 rdwr direct
  load m3 27919 2654
  read h5 0 3784192
  link /f4 /f9
  unlink /s3
  fsync h7
  store m5 2962 44355 byte=0x1
