# image_oci_roundtrip.sh -- flatten to an OCI layout: blobs named by their
# digests, skopeo reads it, umoci unpacks the same tree overtar reads back,
# and the layer's diff_id is the sha256 of the flattened tar.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo umoci

export SOURCE_DATE_EPOCH=1700000000
flatten_sample -o flat.tar || fail "flatten to a tar failed"
flatten_sample -o oci:img:v1 || fail "flatten -o oci:img:v1 failed"
[ -f img/oci-layout ] && [ -f img/index.json ] || fail "no OCI layout written"
check_blobs img
skopeo inspect oci:img:v1 >inspect.json || fail "skopeo inspect failed"
[ "$(json inspect.json 'len(j["Layers"])')" = 1 ] || fail "not one layer"
[ "$(json inspect.json 'j["Created"]')" = "2023-11-14T22:13:20Z" ] \
	|| fail "created is not SOURCE_DATE_EPOCH"

# the layer: gzip of exactly the flattened tar; diff_id its sha256
m=$(json img/index.json 'j["manifests"][0]["digest"][7:]')
l=$(json img/blobs/sha256/$m 'j["layers"][0]["digest"][7:]')
c=$(json img/blobs/sha256/$m 'j["config"]["digest"][7:]')
zcat img/blobs/sha256/$l | cmp - flat.tar || fail "layer is not the flattened tar"
[ "$(json img/blobs/sha256/$c 'j["rootfs"]["diff_ids"][0]')" = \
  "sha256:$(sha256sum flat.tar | cut -d' ' -f1)" ] || fail "diff_id wrong"

"$OVERTAR" flatten -o back.tar oci:img:v1 || fail "reading oci:img:v1 failed"
cmp back.tar flat.tar || fail "read back differs from the flattened tar"
umoci_unpack img:v1 bundle || fail "umoci unpack failed"
canon bundle/rootfs >umoci.list
canon back.tar >overtar.list
diff overtar.list umoci.list || fail "umoci unpack differs from overtar flatten"
