# The default workload of 'faultline boot': four tasks that exercise the page cache, writeback and
# direct I/O at once, under memory pressure. 'faultline boot --show' prints it for the chosen --size
# and --ram (sizes filled in): save it, change it, and boot it as a workload file.
#
# writer  buffered writes of four files (@PART@ each, in eight writes), each fsynced and read back
# mapper  stores through a shared mapping of a file truncated to @PART@, msync, munmap
# dio     O_DIRECT writes of a file, then a direct read of it into a shared mapping of another
#         file (bug 1's access pattern: get_user_pages faults the target's pages in for write)
# hog     anonymous memory: 7/8 of the RAM (@HOG@), touched page by page; running out is expected
#
# Every read is checked by the oracle; after the tasks, every file is read back, the file system is
# unmounted, checked (fsck) and read back from the image.
@MEMCG@
task writer@IN_MEMCG@
  expect-error mkdir /w EEXIST|ok
  loop 4 f
    open h /w/file$f create trunc rdwr
    loop 8
      write h $i*@CHUNK@ @CHUNK@ seed=100+$f
    end
    fsync h
    read h 0 @PART@
    close h
  end
task mapper@IN_MEMCG@
  expect-error mkdir /w EEXIST|ok
  open h /w/mapped create trunc rdwr
  truncate h @PART@
  mmap m h 0 @PART@ shared rw
  loop @PAGES@
    store m $i*4k 4k seed=200
  end
  msync m
  munmap m
  read h 0 @PART@
  close h
task dio@IN_MEMCG@
  expect-error mkdir /w EEXIST|ok
  open d /w/direct create trunc rdwr direct
  loop 8
    write d $i*@CHUNK@ @CHUNK@ seed=300
  end
  read d 0 @PART@
  open t /w/dio-target create trunc rdwr
  truncate t @TARGET@
  mmap m t 0 @TARGET@ shared rw
  read d 0 @TARGET@ into m
  msync m
  munmap m
  read t 0 @TARGET@
  close t
  close d
task hog@IN_MEMCG@
  expect-error anon a @HOG@ EFAULT|ok
