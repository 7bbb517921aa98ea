# image_build_layer.sh -- build --emit layer into an image appends the new
# layer to the input image's layers (same blobs, same diff_ids, config kept);
# --emit flat gives a one-layer image.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools umoci

export SOURCE_DATE_EPOCH=1700000000
"$OVERTAR" flatten -o oci:img:base "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" || fail "base"
"$OVERTAR" build -e 'write /etc/hello.conf "hello"' --emit layer -o oci:out:edited oci:img:base \
	|| fail "build --emit layer failed"
check_blobs out
m=$(json out/index.json 'j["manifests"][0]["digest"][7:]')
mb=$(json img/index.json 'j["manifests"][0]["digest"][7:]')
[ "$(json out/blobs/sha256/$m 'len(j["layers"])')" = 2 ] || fail "not two layers"
[ "$(json out/blobs/sha256/$m 'j["layers"][0]["digest"]')" = \
  "$(json img/blobs/sha256/$mb 'j["layers"][0]["digest"]')" ] || fail "base layer changed"
c=$(json out/blobs/sha256/$m 'j["config"]["digest"][7:]')
[ "$(json out/blobs/sha256/$c 'len(j["rootfs"]["diff_ids"])')" = 2 ] || fail "diff_ids"
umoci_unpack out:edited bundle || fail "umoci unpack failed"
[ "$(cat bundle/rootfs/etc/hello.conf)" = hello ] || fail "edit not in the image"
"$OVERTAR" build -e 'write /etc/hello.conf "hello"' -o flat.tar oci:img:base || fail "flat tar"
canon flat.tar >want.list
canon bundle/rootfs >got.list
diff want.list got.list || fail "umoci's tree differs"

"$OVERTAR" build -e 'write /etc/hello.conf "hello"' -o oci:out:flat oci:img:base || fail "--emit flat"
"$OVERTAR" flatten -o flat2.tar oci:out:flat || fail "read flat"
cmp flat.tar flat2.tar || fail "--emit flat image differs"
"$OVERTAR" build -e 'write /etc/x "x"' --emit layer -o oci:out:bad oci:img:base "$SAMPLE/layer4.tar" 2>err
[ $? = 2 ] || fail "--emit layer over image + layer: not a usage error"
