# image_output_untrusted.sh -- what an OCI output layout already holds is
# not trusted (issue 14, point 5): a blob under the right name with other
# content is written anew, and a blobs/ or blobs/sha256 that is a symlink
# is refused before anything is written through it.
. "$TESTS/cli/lib/common.sh"

printf 'x\n' >f && tar cf base.tar f
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH	# both writes make the same blobs
"$OVERTAR" flatten -o oci:img:t base.tar 2>err || fail "first write: $(cat err)"
# every blob replaced by other content; a second write must repair them
for b in img/blobs/sha256/*; do
	chmod u+w "$b"; printf 'forged\n' >"$b"
done
"$OVERTAR" flatten -o oci:img:t base.tar 2>err || fail "second write: $(cat err)"
for b in img/blobs/sha256/*; do
	[ "sha256:$(sha256sum "$b" | cut -d' ' -f1)" = "sha256:$(basename "$b")" ] ||
		fail "blob $(basename "$b") kept its forged content"
done
"$OVERTAR" ls oci:img:t >/dev/null 2>err || fail "the image does not read: $(cat err)"

# blobs/ a symlink out of the layout
mkdir outside lay
printf '{"imageLayoutVersion":"1.0.0"}' >lay/oci-layout
ln -s ../outside lay/blobs
"$OVERTAR" flatten -o oci:lay:t base.tar 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "'lay/blobs' is not a directory (a symlink?): refused" err ||
	fail "blobs/ symlink: exit $rc: $(cat err)"
[ -z "$(ls -A outside)" ] || fail "written through blobs/: $(ls -A outside)"
rm lay/blobs && mkdir lay/blobs && ln -s ../../outside lay/blobs/sha256
"$OVERTAR" flatten -o oci:lay:t base.tar 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "'lay/blobs/sha256' is not a directory (a symlink?): refused" err ||
	fail "blobs/sha256 symlink: exit $rc: $(cat err)"
[ -z "$(ls -A outside)" ] || fail "written through blobs/sha256: $(ls -A outside)"
exit 0
