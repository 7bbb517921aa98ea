# image_umoci_made.sh -- an image made by umoci (init, new, repack of an
# unpacked bundle with files added and removed) reads back through overtar
# as the tree umoci unpacks.
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
