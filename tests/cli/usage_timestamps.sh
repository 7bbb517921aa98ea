# usage_timestamps.sh -- --mtime and SOURCE_DATE_EPOCH beyond year 9999 or
# negative are usage errors (issue 14, point 8): an image's "created" is
# RFC 3339 with a four-digit year (OCI config.md), which skopeo could not
# parse past 9999; nothing is written.
. "$TESTS/cli/lib/common.sh"

tar cf empty.tar -T /dev/null
last="the last second an image can say, 253402300799 (9999-12-31T23:59:59Z)"
# usage WHAT EXPECTED CMD...: exit 2, EXPECTED on stderr, no output
usage() {
	what=$1 want=$2
	shift 2
	rm -f out.tar
	"$@" >/dev/null 2>err; rc=$?
	[ "$rc" = 2 ] || fail "$what: exit $rc, expected 2: $(cat err)"
	[ "$(cat err)" = "$want" ] || fail "$what: stderr: $(cat err)"
	[ ! -e out.tar ] && [ ! -e img ] || fail "$what: output written"
}
# past year 9999
for v in 253402300800 99999999999999 18446744073709551616; do
	usage "--mtime '$v'" \
		"overtar: build: --mtime is past $last: '$v' (see 'overtar help build')" \
		"$OVERTAR" build --mtime "$v" -e 'mkdir /x' -o out.tar empty.tar
	usage "build SOURCE_DATE_EPOCH='$v'" \
		"overtar: build: SOURCE_DATE_EPOCH is past $last: '$v' (see 'overtar help build')" \
		env SOURCE_DATE_EPOCH="$v" "$OVERTAR" build -e 'mkdir /x' -o out.tar empty.tar
	usage "flatten SOURCE_DATE_EPOCH='$v'" \
		"overtar: flatten: SOURCE_DATE_EPOCH is past $last: '$v' (see 'overtar help flatten')" \
		env SOURCE_DATE_EPOCH="$v" "$OVERTAR" flatten -o oci:img:t empty.tar
done
# negative, or no number
for v in -1 -253402300800 " 5" 1e3; do
	usage "--mtime '$v'" \
		"overtar: build: --mtime takes seconds since the epoch, not '$v' (see 'overtar help build')" \
		"$OVERTAR" build --mtime "$v" -e 'mkdir /x' -o out.tar empty.tar
	usage "flatten SOURCE_DATE_EPOCH='$v'" \
		"overtar: flatten: SOURCE_DATE_EPOCH is not seconds since the epoch: '$v' (see 'overtar help flatten')" \
		env SOURCE_DATE_EPOCH="$v" "$OVERTAR" flatten -o oci:img:t empty.tar
done
# the last second of 9999 is fine, and written as such
SOURCE_DATE_EPOCH=253402300799 "$OVERTAR" flatten -o oci:img:t empty.tar 2>err ||
	fail "9999-12-31T23:59:59Z: $(cat err)"
grep -rq '"created": *"9999-12-31T23:59:59Z"' img/blobs || fail "created not 9999-12-31T23:59:59Z"
exit 0
