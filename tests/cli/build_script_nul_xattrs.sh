# build_script_nul_xattrs.sh -- a NUL byte in a script path is an error
# naming the line, never a shorter path (issue 14, point 3: rm -r
# "/etc\x00/x" removed /etc); NULs in content stay allowed. The xattrs a
# script sets stay within the one limit overtar's reader shares (point 12:
# 20,000 setxattr lines made an output overtar could not read back).
. "$TESTS/cli/lib/common.sh"

tar cf empty.tar -T /dev/null
"$OVERTAR" build -e 'mkdir -p /etc/x' -e 'rm -r "/etc\x00/x"' -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "NUL by escape: exit $rc"
[ "$(cat err)" = '-e:1: rm: /etc\x00/x: a path or name cannot hold a NUL byte' ] ||
	fail "NUL by escape: $(cat err)"
[ ! -e out.tar ] || fail "output left behind"
printf 'mkdir /a\nrm -r /a\000b\n' >raw.ots
"$OVERTAR" build -f raw.ots -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "raw NUL: exit $rc"
[ "$(cat err)" = 'raw.ots:2: rm: /a\x00b: a path or name cannot hold a NUL byte' ] ||
	fail "raw NUL: $(cat err)"
"$OVERTAR" build -e 'setxattr "user.a\x00b" v /' -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] && grep -q 'user.a\\x00b: a path or name cannot hold a NUL byte' err ||
	fail "NUL in an xattr name: exit $rc: $(cat err)"
# content may hold NULs
printf 'write /f "a\\x00b"\nsetxattr user.v "\\x00\\x01" /f\n' >content.ots
"$OVERTAR" build -f content.ots -o out.tar empty.tar 2>err || fail "NUL in content: $(cat err)"
[ "$(tar xOf out.tar f | od -An -c | tr -s ' ')" = " a \\0 b" ] || fail "content changed"
rm -f out.tar

# "user." alone is no name (fs/xattr.c: EINVAL)
"$OVERTAR" build -e 'write /f x' -e 'setxattr user. v /f' -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] && [ "$(cat err)" = "-e:1: setxattr: /f: invalid argument" ] ||
	fail "bare namespace: exit $rc: $(cat err)"

# many xattrs: refused where the reader would refuse, not written
awk 'BEGIN { print "write /f x"; for (i = 0; i < 20000; i++) printf "setxattr user.a%05d v /f\n", i }' >many.ots
"$OVERTAR" build -f many.ots -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "20,000 xattrs: exit $rc"
grep -q '^many.ots:[0-9]*: setxattr: /f: xattrs too large (names 65536 bytes, a value 65536, all 786432)$' err ||
	fail "20,000 xattrs: $(head -c 300 err)"
[ ! -e out.tar ] || fail "output left behind"
# up to the limit: written, and read back
awk 'BEGIN { print "write /f x"; for (i = 0; i < 5400; i++) printf "setxattr user.a%05d v /f\n", i }' >most.ots
v=$(head -c 65536 /dev/zero | tr '\0' v)
for i in 1 2 3 4 5 6 7 8 9 10; do printf 'setxattr user.big%02d %s /g\n' $i "$v"; done >big.ots
"$OVERTAR" build -f most.ots -e 'write /g x' -f big.ots -o out.tar empty.tar 2>err ||
	fail "xattrs within the limit: $(head -c 300 err)"
"$OVERTAR" stat out.tar -- /f /g >stat.out 2>err || fail "read back: $(head -c 300 err)"
[ "$(grep -c 'user.a0' stat.out)" = 5400 ] || fail "read back: $(grep -c user.a0 stat.out) xattrs on /f"
exit 0
