# image_blob_size.sh -- an OCI descriptor's size is checked against its
# blob before anything is read or written from it (issue 14, point 4: a
# descriptor saying 5 bytes made a 5-byte layer, exit 0).
. "$TESTS/cli/lib/common.sh"

printf 'x\n' >f && tar cf base.tar f
"$OVERTAR" flatten -z none -o oci:img:t base.tar 2>err || fail "making the layout: $(cat err)"
python3 - <<'PY' || fail "cannot forge the manifest"
import hashlib, json, os
b = "img/blobs/sha256/"
idx = json.load(open("img/index.json"))
md = idx["manifests"][0]
man = json.load(open(b + md["digest"][7:]))
man["layers"][0]["size"] = 5
data = json.dumps(man).encode()
d = hashlib.sha256(data).hexdigest()
open(b + d, "wb").write(data)
md["digest"] = "sha256:" + d
md["size"] = len(data)
json.dump(idx, open("img/index.json", "w"))
PY
for out in out.tar oci:out:t docker-archive:out.dtar:a:b; do
	"$OVERTAR" flatten -o "$out" oci:img:t 2>err; rc=$?
	[ "$rc" = 1 ] || fail "-o $out: exit $rc: $(cat err)"
	grep -q "^overtar: image 'oci:img:t': layer 1: blob sha256:[0-9a-f]*: size [0-9]*, descriptor says 5$" err ||
		fail "-o $out: $(cat err)"
	[ ! -e out.tar ] && [ ! -e out ] && [ ! -e out.dtar ] || fail "-o $out: output written"
done
exit 0
