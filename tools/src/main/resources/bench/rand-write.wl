# 4 KiB buffered writes at random offsets of a file laid out beforehand, fsync every 256 writes:
# 'fio --rw=randwrite --bs=4k --fsync=256' on a file fio has written. The offsets are a permutation
# of the file's blocks (block i*1000003 mod the file's blocks: 1000003 is prime), so every block is
# written once.
param size 256M
param bs 4k
param fsync_every 256
set ram 256M
set image-size $size+$size/4+64M
task writer
  open f /bench.dat create trunc rdwr
  loop $size/1M
    write f $i*1M 1M byte=90
  end
  fsync f
  measure
  loop $size/$bs/$fsync_every j
    loop $fsync_every
      write f (($j*$fsync_every+$i)*1000003%($size/$bs))*$bs $bs byte=165
    end
    fsync f
  end
  close f
