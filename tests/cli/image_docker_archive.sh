# image_docker_archive.sh -- docker-archive out and in: skopeo reads what
# overtar writes (uncompressed layers, as docker save writes them), and
# overtar reads what skopeo writes.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo

export SOURCE_DATE_EPOCH=1700000000
flatten_sample -o flat.tar || fail "flatten to a tar failed"
flatten_sample -o docker-archive:a.tar:sample:v1 || fail "flatten -o docker-archive failed"
tar xOf a.tar manifest.json >manifest.json || fail "no manifest.json"
[ "$(json manifest.json 'j[0]["RepoTags"][0]')" = sample:v1 ] || fail "RepoTags wrong"
l=$(json manifest.json 'j[0]["Layers"][0]')
tar xOf a.tar "$l" | cmp - flat.tar || fail "layer member is not the flattened tar"
skopeo inspect docker-archive:a.tar >inspect.json || fail "skopeo inspect failed"

# skopeo's own docker-archive, and an OCI copy, read back
skopeo copy -q docker-archive:a.tar oci:sk:copy || fail "skopeo copy to oci failed"
skopeo copy -q oci:sk:copy docker-archive:b.tar:other:tag || fail "skopeo copy to docker-archive failed"
for ref in docker-archive:a.tar docker-archive:a.tar:sample:v1 oci:sk:copy \
	   docker-archive:b.tar:other:tag; do
	"$OVERTAR" flatten -o back.tar "$ref" || fail "reading $ref failed"
	cmp back.tar flat.tar || fail "$ref reads back differently"
done
# docker-archive to OCI with the image's config kept
"$OVERTAR" flatten -o oci:o:x docker-archive:a.tar || fail "docker-archive to oci failed"
check_blobs o
