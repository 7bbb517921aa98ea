# image_oci_index_platform.sh -- the index entry of a manifest overtar
# writes carries the platform of the config written with it
# (image-index.md: architecture and os), for a new image and for a layer
# appended to one.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

L=$SAMPLE/layer1.tar
run_ok "flatten -o oci:" "$OVERTAR" flatten -o oci:img:a "$L"
run_ok "build --emit layer -o oci:" "$OVERTAR" build -e 'mkdir /x' --emit layer -o oci:img:b oci:img:a
for i in 0 1; do
	m=$(json img/index.json "j['manifests'][$i]['digest'][7:]")
	c=$(json img/blobs/sha256/$m 'j["config"]["digest"][7:]')
	want=$(json img/blobs/sha256/$c '[j["architecture"], j["os"]]')
	got=$(json img/index.json "[j['manifests'][$i]['platform'][k] for k in ('architecture', 'os')]")
	[ "$got" = "$want" ] || fail "manifest $i: platform $got, config says $want"
	[ "$(json img/index.json "len(j['manifests'][$i]['platform'])")" = 2 ] || fail "manifest $i: platform has other keys"
done
