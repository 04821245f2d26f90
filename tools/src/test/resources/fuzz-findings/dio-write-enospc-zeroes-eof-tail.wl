# vs-host: /f0 offset 3064832: Faultline's image 0xf8, the host's 0x00 (3058 bytes differ)
# A direct write extending the file that ENOSPC stops after its first block: ext4_truncate_failed_write
# zeroes the EOF block past i_size (ext4_truncate's ext4_block_truncate_page), where the done part wrote.
# Campaign seed 701571, shrunk. reproduce: faultline fuzz ops --vs-host --replay dio-write-enospc-zeroes-eof-tail.wl
set ram 8M
set image-size 32M
task t
  open h1 /f0 create rdwr direct
  open h2 /f0 rdwr direct
  write h2 3060736 4096 seed=971
  open h3 /f3 create rdwr
  expect-error fallocate h3 0 39594229 ENOSPC|ok
  expect-error write h2 3063808 24576 seed=976 ENOSPC|ok
  close h3
  unlink /f3
  write h1 3522560 512 byte=0x6
