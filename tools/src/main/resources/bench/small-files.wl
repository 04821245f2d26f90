# Many small files, each created, written, fsynced and closed: a mail server's shape (fs_mark -S 1,
# postmark's deliveries). Metadata and journal commits dominate, not data.
param files 2000
param bs 16k
set ram 256M
set image-size $files*$bs*2+64M
task writer
  mkdir /mail
  measure
  loop $files
    open f /mail/m$i create excl wronly
    write f 0 $bs byte=90
    fsync f
    close f
  end
