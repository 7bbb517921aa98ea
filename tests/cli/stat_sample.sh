# stat_sample.sh -- overtar stat shows every attribute, the providing layer
# and the link count in the merged view. Expected by hand from
# testdata/README.md and testdata/mksample.sh:
#  - /usr/bin/tool: layer 1, "tool v1\n" = 8 bytes, 0755; one name in the
#    merged view (layer 2 replaced tool-alias) but 2 in its layer;
#  - /bin/sh: still one file with /bin/busybox: 2 links, 13 bytes;
#  - /usr/bin/ping: security.capability, 20 bytes, not text: shown in hex;
#  - /home/app: layer 3's 0700 1000:1000 with user.comment="app home", 2
#    links (no subdirectories), mtime 1700172800 = 2023-11-16 22:13:20;
#  - /dev/null: character device 1,3 0666;
#  - /usr/share/nsec: layer 2, mtime 1700086400.123456789 (pax record);
#  - /etc/mtab: a symlink, 17 bytes of target, not followed; -L follows
#    /usr/lib/libx.so to libx.so.1.0 (9 bytes, 1 link here, 2 in layer 1).
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"
cat >exp <<'END'
  File: /usr/bin/tool
  Type: regular file
  Size: 8
  Mode: 0755 (-rwxr-xr-x)
   Uid: 0
   Gid: 0
 Links: 1 (2 in its layer)
Modify: 2023-11-14 22:13:20.000000000 +0000
 Layer: 1 (layer1.tar)
  File: /bin/sh
  Type: regular file
  Size: 13
  Mode: 0755 (-rwxr-xr-x)
   Uid: 0
   Gid: 0
 Links: 2
Modify: 2023-11-14 22:13:20.000000000 +0000
 Layer: 1 (layer1.tar)
  File: /usr/bin/ping
  Type: regular file
  Size: 5
  Mode: 0755 (-rwxr-xr-x)
   Uid: 0
   Gid: 0
 Links: 1
Modify: 2023-11-14 22:13:20.000000000 +0000
 Layer: 1 (layer1.tar)
 Xattr: security.capability=0x0100000200200000000000000000000000000000
  File: /home/app
  Type: directory
  Size: 0
  Mode: 0700 (drwx------)
   Uid: 1000
   Gid: 1000
 Links: 2
Modify: 2023-11-16 22:13:20.000000000 +0000
 Layer: 3 (layer3.tar.zst)
 Xattr: user.comment="app home"
  File: /dev/null
  Type: character device
  Size: 0
  Mode: 0666 (crw-rw-rw-)
   Uid: 0
   Gid: 0
 Links: 1
Device: 1,3
Modify: 2023-11-14 22:13:20.000000000 +0000
 Layer: 1 (layer1.tar)
  File: /usr/share/nsec
  Type: regular file
  Size: 11
  Mode: 0644 (-rw-r--r--)
   Uid: 0
   Gid: 0
 Links: 1
Modify: 2023-11-15 22:13:20.123456789 +0000
 Layer: 2 (layer2.tar.gz)
  File: /etc/mtab -> /proc/self/mounts
  Type: symbolic link
  Size: 17
  Mode: 0777 (lrwxrwxrwx)
   Uid: 0
   Gid: 0
 Links: 1
Modify: 2023-11-14 22:13:20.000000000 +0000
 Layer: 1 (layer1.tar)
END
# shellcheck disable=SC2086
run_ok "stat" "$OVERTAR" stat $L -- /usr/bin/tool /bin/sh /usr/bin/ping \
	/home/app /dev/null /usr/share/nsec /etc/mtab
same_listing exp run.out "stat of seven paths"

cat >exp <<'END'
  File: /usr/lib/libx.so
  Type: regular file
  Size: 9
  Mode: 0644 (-rw-r--r--)
   Uid: 0
   Gid: 0
 Links: 1 (2 in its layer)
Modify: 2023-11-14 22:13:20.000000000 +0000
 Layer: 1 (layer1.tar)
END
# shellcheck disable=SC2086
run_ok "stat -L" "$OVERTAR" stat -L $L -- /usr/lib/libx.so
same_listing exp run.out "stat -L /usr/lib/libx.so"

# errors: a path hidden by a whiteout (layer 3's .wh.dpkg.log), no paths
# shellcheck disable=SC2086
"$OVERTAR" stat $L -- /var/log/dpkg.log /tmp >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "stat of a whited-out path: exit status $rc, expected 1"
printf '%s\n' "overtar: stat: '/var/log/dpkg.log': no such file or directory in the image" >exp
same_listing exp err "stderr of stat of a whited-out path"
grep -q '^  File: /tmp$' out || fail "stat: the good path was not shown"
# shellcheck disable=SC2086
"$OVERTAR" stat $L >out 2>err
[ $? -eq 2 ] || fail "stat without paths: expected exit status 2"
exit 0
