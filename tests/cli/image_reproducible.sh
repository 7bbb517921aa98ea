# image_reproducible.sh -- the same inputs and SOURCE_DATE_EPOCH give
# byte-identical blobs and the same manifest digest, gzip and zstd, OCI and
# docker-archive.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

export SOURCE_DATE_EPOCH=1700000000
for z in gzip zstd; do
	flatten_sample -z $z -o oci:a$z:t || fail "run 1 failed"
	sleep 1
	flatten_sample -z $z -o oci:b$z:t || fail "run 2 failed"
	diff -r a$z b$z || fail "-z $z: layouts differ"
done
flatten_sample -o docker-archive:a.tar:t || fail "docker-archive run 1 failed"
flatten_sample -o docker-archive:b.tar:t || fail "docker-archive run 2 failed"
cmp a.tar b.tar || fail "docker-archives differ"
SOURCE_DATE_EPOCH=1700000001 flatten_sample -o oci:c:t || fail "run 3 failed"
[ "$(json agzip/index.json 'j["manifests"][0]["digest"]')" != \
  "$(json c/index.json 'j["manifests"][0]["digest"]')" ] || fail "created not in the config"
