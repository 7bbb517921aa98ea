# image_umoci_made.sh -- an image made by umoci (init, new, repack of an
# unpacked bundle with files added and removed) reads back through overtar
# as the tree umoci unpacks. Last, a directory that became a file: umoci
# writes the file and whiteouts under it in one layer (etc, etc/.wh.one),
# which hide nothing there.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools umoci
[ "$(id -u)" = 0 ] || skip "umoci repack of owned files needs root"

umoci init --layout img >/dev/null || fail "umoci init"
umoci new --image img:t >/dev/null || fail "umoci new"
umoci_unpack img:t b || fail "unpack 1"
mkdir -p b/rootfs/etc b/rootfs/var/lib/x
printf 'one\n' >b/rootfs/etc/one
printf 'gone\n' >b/rootfs/var/lib/x/gone
ln -s one b/rootfs/etc/link
umoci repack --image img:t b >/dev/null || fail "repack 1"
rm -rf b
umoci_unpack img:t b || fail "unpack 2"
rm b/rootfs/var/lib/x/gone
printf 'two\n' >b/rootfs/etc/two
umoci repack --image img:t b >/dev/null || fail "repack 2"
rm -rf b
umoci_unpack img:t b || fail "unpack 3"
"$OVERTAR" flatten -o flat.tar oci:img:t || fail "overtar read"
canon flat.tar >overtar.list
canon b/rootfs >umoci.list
diff overtar.list umoci.list || fail "overtar and umoci differ"

rm -rf b/rootfs/etc
printf 'a file now\n' >b/rootfs/etc
umoci repack --image img:t b >/dev/null || fail "repack 3"
rm -rf b
umoci_unpack img:t b || fail "unpack 4"
last=$(json img/index.json 'j["manifests"][0]["digest"].split(":")[1]')
top=$(json "img/blobs/sha256/$last" 'j["layers"][-1]["digest"].split(":")[1]')
tar tzf "img/blobs/sha256/$top" | grep -qx 'etc/.wh.one' ||
	fail "umoci wrote no whiteout under the new file etc (the case is gone)"
"$OVERTAR" flatten -o flat4.tar oci:img:t || fail "overtar read of the file-over-dir layer"
canon flat4.tar >overtar4.list
canon b/rootfs >umoci4.list
diff overtar4.list umoci4.list || fail "overtar and umoci differ after etc became a file"

# umoci 0.4.7 (Debian 12) insert writes a layer that stops right after the
# file's data: no padding, no end-of-archive blocks. umoci reads it back.
printf 'inserted\n' >ins.txt
umoci insert --image img:t ins.txt /opt/ins.txt >/dev/null || fail "umoci insert"
last=$(json img/index.json 'j["manifests"][0]["digest"].split(":")[1]')
top=$(json "img/blobs/sha256/$last" 'j["layers"][-1]["digest"].split(":")[1]')
n=$(gzip -dc "img/blobs/sha256/$top" | wc -c)
[ $((n % 512)) != 0 ] && note "umoci's insert layer is $n bytes, unpadded" ||
	note "this umoci pads its insert layer ($n bytes)"
rm -rf b
umoci_unpack img:t b || fail "unpack 5"
"$OVERTAR" flatten -o flat5.tar oci:img:t || fail "overtar read of umoci insert's layer"
canon flat5.tar >overtar5.list
canon b/rootfs >umoci5.list
diff overtar5.list umoci5.list || fail "overtar and umoci differ after umoci insert"
