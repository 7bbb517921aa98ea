# image_refs.sh -- how an image reference picks an image: a docker-archive
# with two images needs a REF (one line, exit 1 without); @N picks the N-th
# counted from 0, an N past the end or not a number is an error; a name
# without a tag means name:latest; an OCI index whose tag names a nested
# index is followed to the linux manifest of this machine's architecture.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
L1=$SAMPLE/layer1.tar L2=$SAMPLE/layer2.tar.gz

run_ok "one" "$OVERTAR" flatten -o one.tar "$L1"
run_ok "two" "$OVERTAR" flatten -o two.tar "$L1" "$L2"
run_ok "a1" "$OVERTAR" flatten -o docker-archive:a1.tar:one:v1 "$L1"
run_ok "a2" "$OVERTAR" flatten -o docker-archive:a2.tar:two:latest "$L1" "$L2"
# multi.tar: both images in one archive, as docker save IMG1 IMG2 writes it
python3 - <<'PY' || fail "cannot make multi.tar"
import io, json, tarfile
seen, mans = set(), []
with tarfile.open("multi.tar", "w") as out:
    for a in ("a1.tar", "a2.tar"):
        with tarfile.open(a) as tf:
            for ti in tf:
                if ti.name == "manifest.json":
                    mans += json.load(tf.extractfile(ti))
                elif ti.name not in seen and ti.name != "repositories":
                    seen.add(ti.name)
                    out.addfile(ti, tf.extractfile(ti) if ti.isfile() else None)
    b = json.dumps(mans).encode()
    ti = tarfile.TarInfo("manifest.json")
    ti.size = len(b)
    out.addfile(ti, io.BytesIO(b))
PY

# reads REF WANT: docker-archive:multi.tar:REF flattens to WANT's bytes
reads() {
	run_ok "multi.tar:$1" "$OVERTAR" flatten -o got.tar "docker-archive:multi.tar:$1"
	cmp -s got.tar "$2" || fail "docker-archive:multi.tar:$1 is not the image of $2"
	rm -f got.tar
}
reads @0 one.tar
reads @1 two.tar
reads one:v1 one.tar
reads two two.tar
reads two:latest two.tar
run_fails 1 "overtar: image 'docker-archive:multi.tar': manifest.json lists 2 images: name one \(docker-archive:FILE:REF\)" \
	"no REF" "$OVERTAR" flatten -o got.tar docker-archive:multi.tar
run_fails 1 "overtar: image 'docker-archive:multi.tar:@2': no image @2: manifest.json lists 2 \(@0 to @1\)" \
	"@2" "$OVERTAR" flatten -o got.tar docker-archive:multi.tar:@2
run_fails 1 "overtar: image 'docker-archive:multi.tar:@x': no image tagged '@x'" \
	"@x" "$OVERTAR" flatten -o got.tar docker-archive:multi.tar:@x
run_fails 1 "overtar: image 'docker-archive:multi.tar:one': no image tagged 'one'" \
	"one (no one:latest)" "$OVERTAR" flatten -o got.tar docker-archive:multi.tar:one
[ ! -e got.tar ] || fail "output left behind"

# a nested index: tag 'multi' names an index of two manifests, 'two' for
# this machine's architecture and 'one' for another one
run_ok "oci one" "$OVERTAR" flatten -o oci:L:one "$L1"
run_ok "oci two" "$OVERTAR" flatten -o oci:L:two "$L1" "$L2"
python3 - L "$(uname -m)" <<'PY' || fail "cannot write the nested index"
import hashlib, json, os, sys
d, machine = sys.argv[1], sys.argv[2]
arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
        "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}[machine]
other = "s390x" if arch != "s390x" else "amd64"
top = json.load(open(os.path.join(d, "index.json")))
by = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in top["manifests"]}
def plat(m, a):
    m = dict(m)
    m.pop("annotations")
    m["platform"] = {"architecture": a, "os": "linux"}
    return m
nested = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
          "manifests": [plat(by["one"], other), plat(by["two"], arch)]}
b = json.dumps(nested).encode()
h = hashlib.sha256(b).hexdigest()
open(os.path.join(d, "blobs", "sha256", h), "wb").write(b)
top["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json",
                         "digest": "sha256:" + h, "size": len(b),
                         "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(top, open(os.path.join(d, "index.json"), "w"))
PY
run_ok "oci:L:multi" "$OVERTAR" flatten -o nested.tar oci:L:multi
cmp -s nested.tar two.tar || fail "the nested index did not lead to this architecture's manifest"
