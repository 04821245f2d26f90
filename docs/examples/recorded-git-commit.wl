# Recorded by 'faultline mount --record' from the programs run on /tmp/mnt/img5.
# Replay on a copy of the image as it was before the mount: faultline boot THIS.wl --image COPY
set kernel 6.6
task git_31029
  mkdir /repo
  mkdir /repo/.git
  open f3 /repo/.git/description create excl wronly
  write f3 0 73 seed=1
  close f3
  mkdir /repo/.git/hooks
  open f3 /repo/.git/hooks/pre-applypatch.sample create excl wronly
  write f3 0 424 seed=2
  close f3
  open f3 /repo/.git/hooks/pre-push.sample create excl wronly
  write f3 0 1374 seed=3
  close f3
  open f3 /repo/.git/hooks/fsmonitor-watchman.sample create excl wronly
  write f3 0 4726 seed=4
  close f3
  open f3 /repo/.git/hooks/commit-msg.sample create excl wronly
  write f3 0 896 seed=5
  close f3
  open f3 /repo/.git/hooks/post-update.sample create excl wronly
  write f3 0 189 seed=6
  close f3
  open f3 /repo/.git/hooks/update.sample create excl wronly
  write f3 0 3650 seed=7
  close f3
  open f3 /repo/.git/hooks/pre-commit.sample create excl wronly
  write f3 0 1643 seed=8
  close f3
  open f3 /repo/.git/hooks/pre-rebase.sample create excl wronly
  write f3 0 4898 seed=9
  close f3
  open f3 /repo/.git/hooks/prepare-commit-msg.sample create excl wronly
  write f3 0 1492 seed=10
  close f3
  open f3 /repo/.git/hooks/push-to-checkout.sample create excl wronly
  write f3 0 2783 seed=11
  close f3
  open f3 /repo/.git/hooks/pre-merge-commit.sample create excl wronly
  write f3 0 416 seed=12
  close f3
  open f3 /repo/.git/hooks/pre-receive.sample create excl wronly
  write f3 0 544 seed=13
  close f3
  open f3 /repo/.git/hooks/applypatch-msg.sample create excl wronly
  write f3 0 478 seed=14
  close f3
  mkdir /repo/.git/branches
  mkdir /repo/.git/info
  open f3 /repo/.git/info/exclude create excl wronly
  write f3 0 240 seed=15
  close f3
  mkdir /repo/.git/refs
  mkdir /repo/.git/refs/heads
  mkdir /repo/.git/refs/tags
  open f3 /repo/.git/HEAD.lock create excl rdwr
  write f3 0 23 seed=16
  close f3
  rename /repo/.git/HEAD.lock /repo/.git/HEAD
  open f3 /repo/.git/config.lock create excl rdwr
  write f3 0 7 seed=17
  write f3 7 29 seed=18
  close f3
  rename /repo/.git/config.lock /repo/.git/config
  chmod /repo/.git/config 744
  chmod /repo/.git/config 644
  open f3 /repo/.git/config.lock create excl rdwr
  open f4 /repo/.git/config rdonly
  open f5 /repo/.git/config rdonly
  read f5 0 4096
  read f5 36 4096
  close f5
  chmod /repo/.git/config.lock 644
  read f4 0 4096
  write f3 0 36 seed=19
  write f3 36 17 seed=20
  close f3
  close f4
  rename /repo/.git/config.lock /repo/.git/config
  open f3 /repo/.git/config.lock create excl rdwr
  open f4 /repo/.git/config rdonly
  open f5 /repo/.git/config rdonly
  read f5 0 4096
  read f5 53 4096
  close f5
  chmod /repo/.git/config.lock 644
  read f4 0 4096
  write f3 0 53 seed=21
  write f3 53 14 seed=22
  close f3
  close f4
  rename /repo/.git/config.lock /repo/.git/config
  open f3 /repo/.git/config.lock create excl rdwr
  open f4 /repo/.git/config rdonly
  open f5 /repo/.git/config rdonly
  read f5 0 4096
  read f5 67 4096
  close f5
  chmod /repo/.git/config.lock 644
  read f4 0 4096
  write f3 0 67 seed=23
  write f3 67 25 seed=24
  close f4
  close f3
  rename /repo/.git/config.lock /repo/.git/config
  open f3 /repo/.git/tRjtROr create excl rdwr
  close f3
  unlink /repo/.git/tRjtROr
  symlink testing /repo/.git/tRjtROr
  unlink /repo/.git/tRjtROr
  mkdir /repo/.git/objects
  mkdir /repo/.git/objects/pack
  mkdir /repo/.git/objects/info
  barrier order_1
task bash_30717
  barrier order_1
  open f3 /repo/a.txt create trunc wronly
  write f3 0 6 seed=25
  close f3
  barrier order_2
  barrier order_3
  open f3 /repo/sub/b.txt create trunc wronly
  write f3 0 2 seed=26
  close f3
  barrier order_4
task mkdir_31035
  barrier order_2
  mkdir /repo/sub
  barrier order_3
task git_31037
  barrier order_4
  open f3 /repo/.git/HEAD rdonly
  read f3 0 255
  read f3 23 232
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/index.lock create excl rdwr
  open f4 /repo/.git/info/exclude rdonly
  read f4 0 240
  close f4
  open f4 /repo/a.txt rdonly
  read f4 0 6
  mkdir /repo/.git/objects/ce
  open f5 /repo/.git/objects/ce/tmp_obj_ejIea8 create excl rdwr
  write f5 0 21 seed=27
  close f5
  link /repo/.git/objects/ce/tmp_obj_ejIea8 /repo/.git/objects/ce/013625030ba8dba906f756967f9e9ca394464a
  unlink /repo/.git/objects/ce/tmp_obj_ejIea8
  close f4
  open f4 /repo/sub/b.txt rdonly
  read f4 0 2
  mkdir /repo/.git/objects/58
  open f5 /repo/.git/objects/58/tmp_obj_pp31UZ create excl rdwr
  write f5 0 17 seed=28
  close f5
  link /repo/.git/objects/58/tmp_obj_pp31UZ /repo/.git/objects/58/7be6b4c3f93f93c489c0111bba5596147a26cb
  unlink /repo/.git/objects/58/tmp_obj_pp31UZ
  close f4
  write f3 0 156 seed=29
  write f3 156 20 seed=30
  close f3
  rename /repo/.git/index.lock /repo/.git/index
  barrier order_5
task git_31039
  barrier order_5
  open f3 /repo/.git/HEAD rdonly
  read f3 0 255
  read f3 23 232
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/HEAD rdonly
  read f3 0 256
  read f3 23 233
  close f3
  open f3 /repo/.git/HEAD rdonly
  read f3 0 256
  read f3 23 233
  close f3
  open f3 /repo/.git/index rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/index.lock create excl rdwr
  open f4 /repo/a.txt rdonly
  read f4 0 6
  close f4
  open f4 /repo/sub/b.txt rdonly
  read f4 0 2
  close f4
  mkdir /repo/.git/objects/ad
  open f4 /repo/.git/objects/ad/tmp_obj_QMDADK create excl rdwr
  write f4 0 50 seed=31
  close f4
  link /repo/.git/objects/ad/tmp_obj_QMDADK /repo/.git/objects/ad/d4794d9c94872b96c1697c056fb82ae0d72880
  unlink /repo/.git/objects/ad/tmp_obj_QMDADK
  mkdir /repo/.git/objects/fd
  open f4 /repo/.git/objects/fd/tmp_obj_pGghrU create excl rdwr
  write f4 0 80 seed=32
  close f4
  link /repo/.git/objects/fd/tmp_obj_pGghrU /repo/.git/objects/fd/63f238e060de2f14f5d2720fb966e1832c7e18
  unlink /repo/.git/objects/fd/tmp_obj_pGghrU
  write f3 0 217 seed=33
  write f3 217 20 seed=34
  close f3
  rename /repo/.git/index.lock /repo/.git/index
  open f3 /repo/.git/COMMIT_EDITMSG create trunc wronly
  open f4 /repo/.git/HEAD rdonly
  read f4 0 256
  read f4 23 233
  close f4
  write f3 0 6 seed=35
  close f3
  open f3 /repo/.git/COMMIT_EDITMSG rdonly
  read f3 0 8192
  read f3 6 8186
  close f3
  open f3 /repo/.git/objects/fd/63f238e060de2f14f5d2720fb966e1832c7e18 rdonly
  read f3 0 4096
  close f3
  mkdir /repo/.git/objects/2b
  open f3 /repo/.git/objects/2b/tmp_obj_z46I41 create excl rdwr
  write f3 0 105 seed=36
  close f3
  link /repo/.git/objects/2b/tmp_obj_z46I41 /repo/.git/objects/2b/b85c1bd84eb5cb5aa656402f88d586cb8d6102
  unlink /repo/.git/objects/2b/tmp_obj_z46I41
  open f3 /repo/.git/HEAD rdonly
  read f3 0 256
  read f3 23 233
  close f3
  open f3 /repo/.git/HEAD.lock create excl rdwr
  open f4 /repo/.git/HEAD rdonly
  read f4 0 256
  read f4 23 233
  close f4
  close f3
  open f3 /repo/.git/refs/heads/master.lock create excl rdwr
  open f4 /repo/.git/objects/2b/b85c1bd84eb5cb5aa656402f88d586cb8d6102 rdonly
  read f4 0 4096
  close f4
  open f4 /repo/.git/objects/2b/b85c1bd84eb5cb5aa656402f88d586cb8d6102 rdonly
  read f4 0 4096
  close f4
  write f3 0 40 seed=37
  write f3 40 1 seed=38
  close f3
  mkdir /repo/.git/logs
  open f3 /repo/.git/logs/HEAD create append wronly
  write f3 0 131 seed=39
  close f3
  mkdir /repo/.git/logs/refs
  mkdir /repo/.git/logs/refs/heads
  open f3 /repo/.git/logs/refs/heads/master create append wronly
  write f3 0 131 seed=40
  close f3
  rename /repo/.git/refs/heads/master.lock /repo/.git/refs/heads/master
  unlink /repo/.git/HEAD.lock
  barrier order_6
task git_31041
  barrier order_6
  open f3 /repo/.git/HEAD rdonly
  read f3 0 255
  read f3 23 232
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/objects/maintenance.lock create excl rdwr
  close f3
  unlink /repo/.git/objects/maintenance.lock
  barrier order_7
task git_31043
  barrier order_7
  open f3 /repo/.git/HEAD rdonly
  read f3 0 255
  read f3 23 232
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/objects/2b/b85c1bd84eb5cb5aa656402f88d586cb8d6102 rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/objects/58/7be6b4c3f93f93c489c0111bba5596147a26cb rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/objects/ad/d4794d9c94872b96c1697c056fb82ae0d72880 rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/objects/ce/013625030ba8dba906f756967f9e9ca394464a rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/objects/fd/63f238e060de2f14f5d2720fb966e1832c7e18 rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/refs/heads/master rdonly
  read f3 0 256
  read f3 41 215
  close f3
  open f3 /repo/.git/HEAD rdonly
  read f3 0 256
  read f3 23 233
  close f3
  open f3 /repo/.git/refs/heads/master rdonly
  read f3 0 256
  read f3 41 215
  close f3
  open f3 /repo/.git/HEAD rdonly
  read f3 0 256
  read f3 23 233
  close f3
  open f3 /repo/.git/refs/heads/master rdonly
  read f3 0 256
  read f3 41 215
  close f3
  open f3 /repo/.git/HEAD rdonly
  read f3 0 256
  read f3 23 233
  close f3
  open f3 /repo/.git/refs/heads/master rdonly
  read f3 0 256
  read f3 41 215
  close f3
  open f3 /repo/.git/logs/HEAD rdonly
  read f3 0 4096
  read f3 131 4096
  close f3
  open f3 /repo/.git/refs/heads/master rdonly
  read f3 0 256
  read f3 41 215
  close f3
  open f3 /repo/.git/logs/refs/heads/master rdonly
  read f3 0 4096
  read f3 131 4096
  close f3
  open f3 /repo/.git/index rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/objects/fd/63f238e060de2f14f5d2720fb966e1832c7e18 rdonly
  read f3 0 4096
  close f3
  open f3 /repo/.git/objects/ad/d4794d9c94872b96c1697c056fb82ae0d72880 rdonly
  read f3 0 4096
  close f3
  barrier order_8
task git_31047
  barrier order_8
  open f3 /repo/.git/HEAD rdonly
  read f3 0 255
  read f3 23 232
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  barrier order_9
task git_31049
  barrier order_9
  open f3 /repo/.git/HEAD rdonly
  read f3 0 255
  read f3 23 232
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
  open f3 /repo/.git/config rdonly
  read f3 0 4096
  read f3 92 4096
  close f3
