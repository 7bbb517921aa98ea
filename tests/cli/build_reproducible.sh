# build_reproducible.sh -- with --mtime or SOURCE_DATE_EPOCH, build's output
# is the same bytes on every run (also when the host files copied in get
# new times), in both emit modes; everything the script changes, and every
# whiteout, carries that time; a later explicit time is clamped to it
# (reproducible-builds.org SOURCE_DATE_EPOCH); another time gives other
# bytes, so the time really is in the output.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/build.sh"

E=1800000000
make_edit
# new/late asks for a time after E: clamped to E.
set -- -f edit.ots -e 'touch -d @1900000000 /new/late'
for emit in flat layer; do
	run_ok "$emit, run 1" build_sample "$@" --emit $emit --mtime $E -o a-$emit.tar
	touch -d '2001-02-03 04:05:06' host/a host/sub/b
	run_ok "$emit, run 2" build_sample "$@" --emit $emit --mtime $E -o b-$emit.tar
	cmp a-$emit.tar b-$emit.tar || fail "$emit: two runs with --mtime differ"
	run_ok "$emit, SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=$E "$OVERTAR" \
		build "$@" --emit $emit -o c-$emit.tar "$SAMPLE/layer1.tar" \
		"$SAMPLE/layer2.tar.gz" "$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
	cmp a-$emit.tar c-$emit.tar || fail "$emit: SOURCE_DATE_EPOCH differs from --mtime"
	run_ok "$emit, another time" build_sample "$@" --emit $emit \
		--mtime $((E + 1)) -o d-$emit.tar
	if cmp -s a-$emit.tar d-$emit.tar; then
		fail "$emit: --mtime $E and $((E + 1)) give the same bytes"
	fi
done

# The times in the layer: whiteouts and what the script made or changed
# at E; touch -d @1600000000.25 (before E) kept; @1900000000 clamped.
python3 - a-layer.tar "$E" <<'PY' || fail "times in the layer"
import sys, tarfile
E = int(sys.argv[2])
m = {t.name.rstrip("/"): t.mtime for t in tarfile.open(sys.argv[1])}
want = {"etc/.wh.motd": E, "var/.wh.cache": E, "home/.wh.app": E,
        "new/hello": E, "new/host/a": E, "etc/oldconf": E, "new/late": E,
        "new/doc": 1600000000.25}
ok = True
for k, v in sorted(want.items()):
    if m.get(k) != v:
        print("%s: mtime %r, expected %r" % (k, m.get(k), v)); ok = False
sys.exit(0 if ok else 1)
PY
