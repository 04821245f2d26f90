# data-corruption: data corruption: /f0 offset 2842624: expected 0x00 got 0xbf
# faultline fuzz ops: sequence 1010 (--seed 1010 --count 1), shrunk from 100 to 23 statements
# 1 KiB blocks (--mkfs host:1024): the punch read its partial blocks' whole page, the blocks it then freed included
# reproduce: faultline fuzz ops --replay punch-inside-a-page-drops-the-freed-blocks.wl  (every check), or
#   faultline mkfs x.img --size 32M && faultline boot --image x.img punch-inside-a-page-drops-the-freed-blocks.wl  (Faultline's own checks)
set ram 8M
set image-size 32M
task t
  open h0 /f0 create excl wronly
  open h1 /f0 rdwr
  drop-caches
  expect-error anon a0 2449408 EFAULT|ok
  open h3 /f0 rdwr
  write h1 3220270 16384 byte=0xfe
  store a0 2262005 9464 seed=564
  fsync h0
  store a0 924921 28618 zero
  read h3 3240657 3236864
  open h5 /f0 trunc rdwr
  open h6 /f0 rdwr
  expect-error write h3 62175 258429 byte=0xf2 ENOSPC|ok
  expect-error fallocate h1 0 455 zero-range ENOSPC|ok
  fsync h1
  write h3 1897578 953215 seed=658
  write h3 2150877 26902 from a0+261121
  drop-caches
  fallocate h5 2842596 3275 keep-size punch
  mmap m3 h6 421888 196608 shared rw
  write h6 2857924 12288 seed=415
  write h6 2866757 1003252 seed=920
  fsync h3
