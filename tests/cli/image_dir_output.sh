# image_dir_output.sh -- -o dir:PATH writes the merged tree into a
# directory: the same tree as the tar (owners, modes, xattrs, times as
# root); an existing non-empty directory is refused and nothing is left.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

flatten_sample -o flat.tar || fail "flatten to a tar failed"
flatten_sample -o dir:root 2>err || { cat err; fail "flatten -o dir:root failed"; }
if [ "$(id -u)" = 0 ]; then
	canon flat.tar >want.list
	canon root >got.list
	diff want.list got.list || fail "the directory differs from the tar"
else
	grep -q "warning: not root" err || fail "no warning without root"
fi
mkdir full && touch full/x
flatten_sample -o dir:full 2>err; [ $? = 1 ] || fail "non-empty directory: exit"
grep -q "^overtar: output 'full'" err || { cat err; fail "message"; }
[ "$(ls -A full)" = x ] || fail "full/ changed"
[ -z "$(ls -A . | grep '^\.full')" ] || fail "temporary left behind"
