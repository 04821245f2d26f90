# image: /f3 offset 700416: expected 0xbd got 0xae (4078 bytes differ)
# faultline fuzz ops: sequence 300889 (--seed 300889 --count 1), not shrunk: a race of the free-running kernel
# (once in 1000 sequences; 800 replays passed). A store through a shared mapping copied its bytes after
# dropping the page-table lock; writeback (the flusher's, an fsync's) could clean the PTE and write the page between:
# new bytes in a clean page, never written. Fixed in Memory.access (the store lands under the lock);
# MappedStoreWritebackTest reproduces it deterministically (PCT).
set ram 8M
set image-size 32M
task t
  open h0 /f0 create rdwr
  write h0 0 181 byte=0xaa
  link /f0 /f1
  read h0 694 556
  open h1 /f0 rdwr direct
  truncate h0 1957888
  open h2 /f1 append rdwr
  close h0
  write h1 1294336 512 seed=727
  fsync h2
  open h3 /f2 create excl rdonly direct
  write h2 3264512 59384 byte=0xec
  fallocate h2 375948 45064
  drop-caches
  write h1 542720 4096 seed=295
  write h2 1443660 190129 byte=0x5c
  fallocate h1 0 57344 keep-size punch
  fallocate h1 2868239 16384 keep-size zero-range
  chown /f2 65535 1
  open h0 /f1 rdwr
  write h2 2212775 105 byte=0xb2
  open h4 /f3 create rdwr direct
  drop-caches
  mmap m0 h3 0 151552 shared ro
  write h4 172032 577024 seed=403
  fsync h0
  write h0 0 376 byte=0xc3
  fallocate h4 348361 5
  mmap m1 h1 1052672 98304 shared rw
  truncate h4 741767
  open h5 /f3 create rdwr
  truncate h5 745431
  mmap m2 h4 471040 172032 shared rw
  mmap m3 h0 0 61440 private ro
  fallocate h1 1439612 4322 zero-range
  msync m3 async
  write h4 655360 4608 zero
  fallocate h1 2207690 20480 keep-size punch
  mmap m4 h4 630784 106496 shared rw
  load m4 87142 351
  load m3 38909 1594
  symlink .//f2 /s4
  munmap m1
  fallocate h5 102951 97 keep-size
  store m4 85006 18 seed=734
  fallocate h4 2785280 57 keep-size zero-range
  read h2 0 2207744
  write h2 816586 49152 zero
  fallocate h2 0 2640 keep-size punch
  mkdir /d5
  mmap m5 h2 126976 20480 shared ro
  fallocate h4 799874 412 zero-range
  write h4 793088 24576 seed=860
  fallocate h0 2262122 98 keep-size zero-range
  write h2 4075729 96963 seed=982
  store m2 14097 17981 seed=796
  write h4 378880 151552 seed=691
  write h0 3455430 665253 byte=0x4a
  fsync h0
  write h1 2158592 49152 zero
  fallocate h1 4127702 635 keep-size
  store m4 50757 50406 byte=0xae
  fsync h3
  chown /d5 -1 -1
  store m2 72259 15537 byte=0x3a
  fallocate h1 3361412 76 keep-size zero-range
  link /f0 /f6
  close h2
  fallocate h4 818201 4096 keep-size zero-range
  link /f6 /d5/f7
  close h5
  open h6 /f8 create rdwr direct
  truncate h6 0
  read h3 0 219136
  write h6 0 512 seed=136
  read h6 24576 512
  write h0 1422794 886840 zero
  write h6 8192 193536 seed=25
  fallocate h4 651514 32768
  write h0 3876664 8 zero
  store m4 64658 29622 seed=158
  read h0 0 18618 into m2+49297
  munmap m2
  write h0 3903439 12288 byte=0xbc
  rename /f6 /d5/f7
  write h0 4122902 49152 seed=647
  open h5 /f0 trunc rdwr
  write h4 806912 710656 seed=696
  fallocate h6 3850081 32961 keep-size punch
  read h6 2277376 201728
  unlink /s4
  munmap m5
  mmap m6 h0 0 24576 shared rw
  read h6 1966080 170496
  munmap m4
  sync
  write h1 54272 512 seed=38
  write h1 0 512 zero
  load m6 16455 1179
  mmap m7 h0 36864 204800 private rw
