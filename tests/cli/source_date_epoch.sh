# source_date_epoch.sh -- SOURCE_DATE_EPOCH has one parser and one
# behaviour in every command that reads it: anything but SECONDS or
# SECONDS.FRACTION (the empty string too) is a usage error naming the
# variable, exit 2, no output; a valid value is an image's "created" for
# flatten as for build, fraction included.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

L=$SAMPLE/layer1.tar
errors=0
# bad CMD VALUE ARG...: SOURCE_DATE_EPOCH=VALUE overtar CMD ARG... exits 2
bad() {
	cmd=$1 val=$2
	shift 2
	SOURCE_DATE_EPOCH=$val "$OVERTAR" "$cmd" "$@" >stdout 2>stderr
	rc=$?
	want="overtar: $cmd: SOURCE_DATE_EPOCH is not seconds since the epoch: '$val' (see 'overtar help $cmd')"
	if [ "$rc" -eq 2 ] && [ "$(cat stderr)" = "$want" ] && [ ! -s stdout ] &&
	   [ ! -e out.tar ] && [ ! -e oci ]; then
		echo "ok   $cmd '$val'"
	else
		echo "BAD  $cmd '$val': exit status $rc, expected 2 and: $want"
		sed 's/^/    | /' stderr | head -n 5
		errors=$((errors + 1))
		rm -rf out.tar oci
	fi
}
for v in abc '' 12x -5 1.2.3; do
	bad flatten "$v" -o out.tar "$L"
	bad flatten "$v" -o oci:oci:t "$L"
	bad build "$v" -e 'mkdir /a' -o out.tar "$L"
done
[ "$errors" = 0 ] || fail "$errors bad values not refused as usage errors"

# a valid value, with a fraction, is "created" for flatten and build alike
SOURCE_DATE_EPOCH=1700000000.25 "$OVERTAR" flatten -o oci:f:t "$L" || fail "flatten -o oci: failed"
SOURCE_DATE_EPOCH=1700000000.25 "$OVERTAR" build -e 'mkdir /a' -o oci:b:t "$L" || fail "build -o oci: failed"
for d in f b; do
	m=$(json $d/index.json 'j["manifests"][0]["digest"][7:]')
	c=$(json $d/blobs/sha256/$m 'j["config"]["digest"][7:]')
	got=$(json $d/blobs/sha256/$c 'j["created"]')
	[ "$got" = 2023-11-14T22:13:20.25Z ] || fail "$d: created is '$got', expected 2023-11-14T22:13:20.25Z"
done
