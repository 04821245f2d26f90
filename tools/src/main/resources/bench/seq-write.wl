# Sequential buffered write(2) of one file, then fsync: what 'dd bs=1M conv=fsync' and
# 'fio --rw=write --bs=1M --end_fsync=1' do. The file is written twice: the first pass lays it out
# (the host allocates the image's blocks), the second, after O_TRUNC, is measured.
param size 1G
param bs 1M
set ram 256M
set image-size $size+$size/4+64M
task writer
  open f /bench.dat create trunc wronly
  loop $size/$bs
    write f $i*$bs $bs byte=90
  end
  fsync f
  close f
  measure
  open f /bench.dat trunc wronly
  loop $size/$bs
    write f $i*$bs $bs byte=165
  end
  fsync f
  close f
