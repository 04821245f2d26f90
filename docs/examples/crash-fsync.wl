# An fsync-heavy workload for 'faultline crash' (docs/crash.md): files created, written, fsynced and
# extended with fdatasync; an appending log fdatasynced after every record; a rename; a final sync.
set ram 32M
task t
  mkdir /d
  loop 12 i
    open h /d/f$i create rdwr
    write h 0 8k seed=$i
    fsync h
    write h 8k 6k seed=100+$i
    fdatasync h
    truncate h 10k
    fsync h
    close h
  end
  open a /d/log create rdwr
  loop 24 j
    write a $j*3k 3k seed=500+$j
    fdatasync a
  end
  close a
  rename /d/f0 /d/g0
  sync
