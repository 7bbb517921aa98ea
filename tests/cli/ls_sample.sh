# ls_sample.sh -- overtar ls on the sample image, expected output derived by
# hand from testdata/README.md:
#  - the root holds the 11 top-level names of expected.list;
#  - /usr/bin: busybox is layer 1's symlink to /bin/busybox (12 bytes of
#    target); new-tool and new-tool-link are layer 4's pair (9 bytes, 2
#    links); ping and tool are layer 1's, and tool has 1 link in the merged
#    view because layer 2 replaced its other name tool-alias (14 bytes,
#    layer 2). Times: layer N's mtime is 1700000000 + (N-1)*86400, i.e.
#    2023-11-14..17 22:13 UTC;
#  - /bin: busybox and sh are still one file (2 links), su is setuid (s);
#  - ls -ld: /tmp sticky (t) from layer 4, /etc from layer 3 with 2 + 2
#    subdirectories (conf.d, motd) = 4 links, /home/app 0700 1000:1000 from
#    layer 3, /dev/null c 1, 3;
#  - ls -R /opt: app (re-added in layer 3, only new.bin) and data (a file);
#  - names beginning with '.' only with -a (a fifth layer adds etc/.hidden).
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"

# shellcheck disable=SC2086
run_ok "ls" "$OVERTAR" ls $L
printf '%s\n' bin dev etc home lib opt run srv tmp usr var >exp
same_listing exp run.out "ls of the root"

cat >exp <<'END'
lrwxrwxrwx 1 0 0 12 2023-11-14 22:13 1:layer1.tar    busybox -> /bin/busybox
-rwxr-xr-x 2 0 0  9 2023-11-17 22:13 4:layer4.tar    new-tool
-rwxr-xr-x 2 0 0  9 2023-11-17 22:13 4:layer4.tar    new-tool-link
-rwxr-xr-x 1 0 0  5 2023-11-14 22:13 1:layer1.tar    ping
-rwxr-xr-x 1 0 0  8 2023-11-14 22:13 1:layer1.tar    tool
-rwxr-xr-x 1 0 0 14 2023-11-15 22:13 2:layer2.tar.gz tool-alias
END
# shellcheck disable=SC2086
run_ok "ls -l --origin" "$OVERTAR" ls -l --origin $L -- /usr/bin
same_listing exp run.out "ls -l --origin /usr/bin"

cat >exp <<'END'
-rwxr-xr-x 2 0 0 13 2023-11-14 22:13 busybox
-rwxr-xr-x 2 0 0 13 2023-11-14 22:13 sh
-rwsr-xr-x 1 0 0  6 2023-11-14 22:13 su
END
# shellcheck disable=SC2086
run_ok "ls -l /bin" "$OVERTAR" ls -l $L -- /bin
same_listing exp run.out "ls -l /bin"

cat >exp <<'END'
drwxrwxrwt 2    0    0    0 2023-11-17 22:13 /tmp
drwxr-xr-x 4    0    0    0 2023-11-16 22:13 /etc
drwx------ 2 1000 1000    0 2023-11-16 22:13 /home/app
crw-rw-rw- 1    0    0 1, 3 2023-11-14 22:13 /dev/null
END
# shellcheck disable=SC2086
run_ok "ls -ld" "$OVERTAR" ls -ld $L -- /tmp /etc /home/app /dev/null
same_listing exp run.out "ls -ld"

cat >exp <<'END'
/opt:
app
data

/opt/app:
new.bin
END
# shellcheck disable=SC2086
run_ok "ls -R" "$OVERTAR" ls -R $L -- /opt
same_listing exp run.out "ls -R /opt"

# short format with --origin; a symlink operand is followed without -l
cat >exp <<'END'
3:layer3.tar.zst new.bin
END
# shellcheck disable=SC2086
run_ok "ls --origin" "$OVERTAR" ls --origin $L -- /opt/app
same_listing exp run.out "ls --origin /opt/app"
# shellcheck disable=SC2086
run_ok "ls symlink" "$OVERTAR" ls $L -- /usr/lib/libx.so
printf '/usr/lib/libx.so\n' >exp
same_listing exp run.out "ls of a symlink to a file"

# dot names only with -a
python3 - <<'PY' || fail "cannot write layer5.tar"
import io, tarfile
with tarfile.open("layer5.tar", "w", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("etc"); d.type = tarfile.DIRTYPE; d.mode = 0o755
    t.addfile(d)
    f = tarfile.TarInfo("etc/.hidden"); f.size = 2
    t.addfile(f, io.BytesIO(b"h\n"))
PY
# shellcheck disable=SC2086
run_ok "ls etc" "$OVERTAR" ls $L layer5.tar -- /etc
printf '%s\n' conf.d group motd mtab oldconf passwd >exp
same_listing exp run.out "ls /etc without -a"
# shellcheck disable=SC2086
run_ok "ls -a etc" "$OVERTAR" ls -a $L layer5.tar -- /etc
printf '%s\n' .hidden conf.d group motd mtab oldconf passwd >exp
same_listing exp run.out "ls -a /etc"
exit 0
