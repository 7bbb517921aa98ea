# inputs_by_content.sh -- a path given without a prefix is read for what it
# is: a directory with oci-layout as an OCI layout, a tar whose top-level
# manifest.json names layers as a docker-archive (docker save), a tar with
# oci-layout and index.json at its top level, in any order, as an
# oci-archive; anything else as a layer, even a layer that holds an
# index.json or a manifest.json of its own. -v says what each was taken
# for (dir: inputs: dir_input.sh).
. "$TESTS/cli/lib/common.sh"

xz -dc "$TESTDATA/dive/test-docker-image.tar.xz" >dive.tar || fail "xz -dc"
run_ok "inspect docker-archive:" "$OVERTAR" inspect --json docker-archive:dive.tar
grep -v layer_file run.out >prefixed
"$OVERTAR" inspect -v --json dive.tar >out 2>err || fail "inspect dive.tar: $(cat err)"
grep -v layer_file out >plain
same_listing prefixed plain "dive.tar read by content"
grep -qxF "overtar: 'dive.tar': read as a docker-archive (a tar whose manifest.json names its layers)" err ||
	fail "-v: $(cat err)"

run_ok "flatten -o oci:" "$OVERTAR" flatten -o oci:lay:t "$SAMPLE/layer1.tar"
run_ok "ls oci:lay" "$OVERTAR" ls oci:lay -- /
mv run.out prefixed
"$OVERTAR" ls -v lay -- / >plain 2>err || fail "ls lay: $(cat err)"
same_listing prefixed plain "an OCI layout read by content"
grep -qxF "overtar: 'lay': read as an OCI layout (a directory with oci-layout)" err ||
	fail "-v: $(cat err)"

# an oci-archive as skopeo writes it: blobs/ first, index.json, oci-layout
(cd lay && tar cf ../lay.tar blobs index.json oci-layout) || fail "tar of the layout"
if "$OVERTAR" ls oci-archive:lay.tar -- / >prefixed 2>/dev/null; then
	"$OVERTAR" ls lay.tar -- / >plain 2>err || fail "ls lay.tar: $(cat err)"
	same_listing prefixed plain "an oci-archive read by content"
else
	"$OVERTAR" ls lay.tar -- / >out 2>err
	[ $? -eq 1 ] || fail "an oci-archive, unsupported: expected exit status 1"
	grep -qxF "overtar: layer 'lay.tar': an oci-archive (a tar with oci-layout and index.json), which this overtar cannot read; extract it and name the layout as oci:DIR" err ||
		fail "an oci-archive: $(cat err)"
fi

# layers that look a little like archives stay layers
python3 - <<'PY' || fail "making the layers"
import io, tarfile
def add(t, name, data=b""):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
with tarfile.open("l1.tar", "w") as t:     # index.json, then a layer's names
    add(t, "index.json", b"{}"); add(t, "oci-layout", b"{}"); add(t, "etc/os-release", b"x")
with tarfile.open("l2.tar", "w") as t:     # a manifest.json naming no layers
    add(t, "manifest.json", b'{"name": "app"}')
PY
for l in l1.tar l2.tar; do
	"$OVERTAR" ls -v "$l" -- / >out 2>err || fail "ls $l: $(cat err)"
	grep -qxF "overtar: '$l': read as a layer" err || fail "$l: $(cat err)"
done
"$OVERTAR" ls l1.tar -- / | grep -qx etc || fail "l1.tar: not read as a layer"

exit 0
