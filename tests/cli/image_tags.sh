# image_tags.sh -- a layout that exists keeps its other manifests; the tag
# written moves to the new manifest (whose content is the new image); the
# layout stays whole (every descriptor's blob present, of its size and
# digest); references by tag and by digest; the errors of bad references are
# one line, exit 1.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

# layout_of DIR: "TAG DIGEST" per manifest of DIR's index, sorted, after
# checking that every blob the index reaches (manifests, configs, layers) is
# there with the size and digest its descriptor says.
layout_of() {
	python3 - "$1" <<'PY' || fail "layout '$1' is not whole"
import hashlib, json, os, sys
d = sys.argv[1]
def blob(desc):
    alg, h = desc["digest"].split(":")
    p = os.path.join(d, "blobs", alg, h)
    b = open(p, "rb").read()
    if len(b) != desc["size"] or hashlib.sha256(b).hexdigest() != h:
        sys.exit("%s: size or digest differs from its descriptor" % p)
    return b
out = []
for m in json.load(open(os.path.join(d, "index.json")))["manifests"]:
    man = json.loads(blob(m))
    for desc in [man["config"]] + man["layers"]:
        blob(desc)
    out.append("%s %s" % (m.get("annotations", {}).get("org.opencontainers.image.ref.name"),
                          m["digest"]))
print("\n".join(sorted(out)))
PY
}

run_ok "one" "$OVERTAR" flatten -o oci:img:one "$SAMPLE/layer1.tar"
run_ok "two" "$OVERTAR" flatten -o oci:img:two "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz"
layout_of img >before || exit 1
[ "$(cut -d' ' -f1 before | tr '\n' ' ')" = "one two " ] || { cat before; fail "tags: $(cat before)"; }
d1=$(sed -n 's/^one //p' before)
d2=$(sed -n 's/^two //p' before)
run_ok "read one" "$OVERTAR" flatten -o one.tar oci:img:one
run_ok "read by digest" "$OVERTAR" flatten -o byd.tar "oci:img:$d1"
cmp one.tar byd.tar || fail "tag and digest differ"
run_ok "read two" "$OVERTAR" flatten -o two.tar oci:img:two

# retag: 'one' now names an image of layer4 alone; 'two' is untouched
run_ok "retag one" "$OVERTAR" flatten -o oci:img:one "$SAMPLE/layer4.tar"
layout_of img >after || exit 1
[ "$(wc -l <after)" = 2 ] || { cat after; fail "retag: not two manifests"; }
d1b=$(sed -n 's/^one //p' after)
[ -n "$d1b" ] && [ "$d1b" != "$d1" ] || fail "retag: 'one' still points at $d1"
[ "$(sed -n 's/^two //p' after)" = "$d2" ] || fail "retag: 'two' moved"
run_ok "read new one" "$OVERTAR" flatten -o one-new.tar oci:img:one
run_ok "layer4 alone" "$OVERTAR" flatten -o l4.tar "$SAMPLE/layer4.tar"
canon one-new.tar >got.list
canon l4.tar >want.list
same_listing want.list got.list "the retagged 'one'"
run_ok "read two again" "$OVERTAR" flatten -o two-again.tar oci:img:two
cmp two.tar two-again.tar || fail "retag changed what 'two' reads"

run_fails 1 "overtar: image 'oci:img': index.json lists 2 manifests: name one \(oci:DIR:REF\)" \
	"no ref" "$OVERTAR" flatten -o x.tar oci:img
run_fails 1 "overtar: image 'oci:img:nope': no manifest named 'nope'" \
	"bad ref" "$OVERTAR" flatten -o x.tar oci:img:nope
run_fails 1 "overtar: image 'oci:nowhere': not an OCI image layout \(no oci-layout\)" \
	"no layout" "$OVERTAR" flatten -o x.tar oci:nowhere
[ ! -e x.tar ] || fail "output left behind"
mkdir full && touch full/x
run_fails 1 "overtar: image 'oci:full:t': 'full' exists and is not an OCI image layout" \
	"non-layout directory" "$OVERTAR" flatten -o oci:full:t "$SAMPLE/layer1.tar"
[ "$(ls -A full)" = x ] || fail "wrote into a non-layout directory: $(ls -A full)"
