# image_docker_archive_large_layer.sh -- a docker-archive whose layers are
# big enough that their bytes go to the output by a queued kernel copy
# (sink_aw.c), not through the write buffer: the copy must outlive the
# caller closing its source. A base layer of 3 MiB files is both read from
# a docker-archive in place (a window of the outer tar) and copied into
# the one written; the result must read back as the same tree.
. "$TESTS/cli/lib/common.sh"

export SOURCE_DATE_EPOCH=1700000000
mkdir -p root/big
for i in 1 2 3; do
	head -c 3145728 /dev/urandom >root/big/f$i || fail "no random data"
done
tar --numeric-owner -C root -cf base.tar big || fail "tar failed"
"$OVERTAR" flatten -o flat.tar base.tar || fail "flatten of the base failed"
"$OVERTAR" flatten -o docker-archive:a.tar:big:v1 base.tar \
	|| fail "flatten -o docker-archive failed"
"$OVERTAR" flatten -o back.tar docker-archive:a.tar \
	|| fail "reading the written docker-archive failed"
cmp back.tar flat.tar || fail "the docker-archive reads back differently"
# build --emit layer appends to the input image: the 9 MiB base layer is
# copied into the new archive from a window of the old one
"$OVERTAR" build -e 'write /big/note "hi"' --emit layer \
	-o docker-archive:b.tar:big:v2 docker-archive:a.tar \
	|| fail "build --emit layer onto a docker-archive failed"
"$OVERTAR" flatten -o b-flat.tar docker-archive:b.tar || fail "reading b failed"
tar xOf b-flat.tar big/f2 | cmp - root/big/f2 || fail "big/f2 changed"
[ "$(tar xOf b-flat.tar big/note)" = hi ] || fail "the new layer is missing"
exit 0
