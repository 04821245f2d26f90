# Two writers and a namespace task on a journaled, checksummed image, explored under the controlled
# scheduler: jbd2's handles, the commit thread and fsync's waits in every interleaving explore tries.
# A deadlock through a handle would be reported with its cycle (docs/ext4.md, "The journal").
set journal on
set image-size 32M
set ram 16M
task a
  open f /fa create rdwr
  loop 6
    write f $i*16k 16k seed=1
    fsync f
  end
  fallocate f 128k 64k
  fdatasync f
task b
  open g /fb create rdwr
  loop 6
    write g $i*8k 8k seed=2
    fdatasync g
  end
  truncate g 20k
  fsync g
task c
  mkdir /d
  loop 4
    open h /d/x$i create rdwr
    write h 0 4k seed=$i
    close h
    rename /d/x$i /d/y$i
  end
  sync
