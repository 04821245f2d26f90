# Mixed I/O in a memory cgroup at its limit: a writer, a reader of another file and an anonymous
# memory hog share a cgroup v2 of 64M, so reclaim inside the group (writeback of the writer's dirty
# pages, dropping the reader's clean ones, the hog's faults) is part of every figure. Several tasks:
# no --vs-host (the host interpreter runs one task).
param size 128M
param bs 1M
param limit 64M
param hog 24M
set ram 256M
set image-size $size*3+64M
memcg box $limit v2
task setup
  open r /input.dat create trunc wronly
  loop $size/1M
    write r $i*1M 1M byte=90
  end
  fsync r
  close r
  drop-caches
  barrier go
task writer in memcg box
  barrier go
  measure
  open f /output.dat create trunc wronly
  loop $size/$bs
    write f $i*$bs $bs byte=165
  end
  fsync f
  close f
task reader in memcg box
  barrier go
  measure
  open r /input.dat rdonly
  loop $size/$bs
    read r $i*$bs $bs
  end
  close r
task hog in memcg box
  barrier go
  measure
  anon a $hog
  loop 4
    store a 0 $hog byte=1
  end
  munmap a
