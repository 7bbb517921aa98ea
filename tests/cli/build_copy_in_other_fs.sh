# build_copy_in_other_fs.sh -- copy-in of a host file on one filesystem
# type into a spool on another (tmpfs and the disk): copy_file_range(2)
# refuses that with EXDEV, and copy-in must then read and write instead.
. "$TESTS/cli/lib/common.sh"

[ -d /dev/shm ] && [ -w /dev/shm ] || skip "no writable /dev/shm"
shm=$(mktemp -d /dev/shm/overtar-test.XXXXXX) || skip "cannot use /dev/shm"
trap 'rm -rf "$shm"' EXIT
head -c 300000 /dev/urandom >"$shm/host.bin" || fail "no random data"
mkdir -p spool
printf 'copy-in %s /h1\n' "$shm/host.bin" >ci.ots
cp "$shm/host.bin" host.bin
printf 'copy-in host.bin /h2\n' >>ci.ots
# host file on tmpfs, spool here; then spool on tmpfs, host file here
"$OVERTAR" build -f ci.ots --spool-dir "$PWD/spool" -o a.tar \
	"$TESTDATA/sample/layer1.tar" || fail "copy-in tmpfs -> disk spool failed"
"$OVERTAR" build -f ci.ots --spool-dir "$shm" -o b.tar \
	"$TESTDATA/sample/layer1.tar" || fail "copy-in disk -> tmpfs spool failed"
for t in a.tar b.tar; do
	for f in h1 h2; do
		tar xOf "$t" "$f" | cmp - host.bin || fail "$t: $f differs"
	done
done
exit 0
