# vs-host: /f0 offset 659456: Faultline's image 0x00, the host's 0x5a (424 bytes differ)
# a difference between kernel versions, not a bug: 6.6's ext4_punch_hole writes the range's dirty pages back
# before anything else (even for a hole beyond i_size, which it then leaves alone), and writeback zeroes
# the EOF page past i_size in memory, so the bytes read ... into stored there are zeros when write ... from
# copies them; since 43d0105e2c75 (6.15, patch ext4-punch-hole-no-writeback) ext4 writes back first only with
# data=journal and copies them as stored, as the host does. Replayed on the newest profile (KnownFindingsTest);
# HostInterpTest checks that 6.6 still differs. Every block size (fuzz ops --mkfs host:1024 --seed 200184 --vs-host, shrunk).
set ram 8M
set image-size 32M
task t
  open h0 /f0 create rdwr
  write h0 1272039 794003 seed=729
  open h1 /f0 rdwr
  mkdir /d1
  close h0
  open h0 /d1/f2 create excl rdwr
  write h0 5066 3652 byte=0x26
  mmap m2 h0 8192 163840 shared rw
  read h1 1431025 1088 into m2+2615
  fallocate h0 9147 392 keep-size punch
  write h1 659456 709 from m2+3278
