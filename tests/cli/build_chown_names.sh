# build_chown_names.sh -- chown by name never falls back to root (issue
# 14, point 2): a passwd or group file over the read limit, or unreadable,
# is an error naming it; a line whose id is empty or no number is skipped
# as glibc's nss_files skips it, so the name is not found there.
. "$TESTS/cli/lib/common.sh"

python3 - <<'PY' || fail "cannot make the layer"
import io, tarfile
def add(tf, name, data=None, dir=False):
    ti = tarfile.TarInfo(name)
    if dir:
        ti.type = tarfile.DIRTYPE
        tf.addfile(ti)
    else:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
with tarfile.open("base.tar", "w") as tf:
    add(tf, "etc", dir=True)
    add(tf, "etc/passwd", b"empty:x::1000::/:/bin/sh\n"
        b"word:x:abc:1000::/:/bin/sh\nnogid:x:1001:::/:/bin/sh\n"
        b"app:x:1002:1003::/:/bin/sh\n")
    add(tf, "etc/group", b"egrp:x::\nwgrp:x:12z:\napp:x:1003:\n")
    add(tf, "f", b"x\n")
PY
build() { rm -f out.tar; "$OVERTAR" build "$@" -o out.tar 2>err; rc=$?; }

build -e 'chown app:app /f' base.tar || fail "a good name: $(cat err)"
[ "$(tar tvf out.tar f | awk '{print $2}')" = 1002/1003 ] || fail "app:app: $(tar tvf out.tar f)"
for spec in empty word nogid; do
	build -e "chown $spec /f" base.tar
	[ "$rc" = 1 ] && [ "$(cat err)" = "-e:1: chown: invalid user: '$spec'" ] ||
		fail "malformed passwd line '$spec': exit $rc: $(cat err) $(tar tvf out.tar 2>/dev/null)"
done
for spec in egrp wgrp; do
	build -e "chown :$spec /f" base.tar
	[ "$rc" = 1 ] && [ "$(cat err)" = "-e:1: chown: invalid group: ':$spec'" ] ||
		fail "malformed group line '$spec': exit $rc: $(cat err)"
done
# over the read limit, or no file: the file named
build -e 'truncate -s 65M /etc/passwd' -e 'chown app /f' base.tar
[ "$rc" = 1 ] && [ "$(cat err)" = "-e:1: chown: cannot read the image's '/etc/passwd': over 64 MiB" ] ||
	fail "oversized passwd: exit $rc: $(cat err)"
build -e 'rm /etc/group' -e 'mkdir /etc/group' -e 'chown app:app /f' base.tar
[ "$rc" = 1 ] && [ "$(cat err)" = "-e:1: chown: cannot read the image's '/etc/group': Is a directory" ] ||
	fail "unreadable group: exit $rc: $(cat err)"
[ ! -e out.tar ] || fail "output left behind"
# a number needs no database: an unreadable one is what glibc does not
# find, and chown(1) takes the number (gnulib parse_user_spec), as the
# kernel oracle does (conformance seed 42); an oversized one may hold a
# name "7", so it is still an error
build -e 'rm /etc/group' -e 'mkdir /etc/group' -e 'chown 7:9 /f' base.tar
[ "$rc" = 0 ] || fail "numeric ids over an unreadable group file: exit $rc: $(cat err)"
tar tvf out.tar f | grep -q ' 7/9 ' || fail "numeric ids: $(tar tvf out.tar f)"
rm -f out.tar
build -e 'truncate -s 65M /etc/passwd' -e 'chown 7 /f' base.tar
[ "$rc" = 1 ] && [ "$(cat err)" = "-e:1: chown: cannot read the image's '/etc/passwd': over 64 MiB" ] ||
	fail "numeric id over an oversized passwd: exit $rc: $(cat err)"
exit 0
