# sample_vs_kernel.sh -- the kernel is the oracle: the four sample layers
# mounted as a real overlayfs (lib/kernel_flatten.sh: GNU tar extraction,
# OCI whiteouts turned into overlayfs ones, lowerdir-only mount with
# index=off,redirect_dir=off,metacopy=off,xino=off) and flattened by overtar
# must list the same, entry by entry (canonical-list.py: type, mode, owner,
# size, content, link, xattrs, hard links), with the same mtimes.
# The kernel's view must also equal the hand-derived
# testdata/sample/expected.list and expected.mtimes.
# Needs root and overlayfs; prints SKIP and exits 77 otherwise.
set -u
: "${OVERTAR:?}" "${TESTDATA:?}" "${CANON:?}"
: "${TESTS:=$TESTDATA/../tests}"
export CANON
S=$TESTDATA/sample
set -- "$S/layer1.tar" "$S/layer2.tar.gz" "$S/layer3.tar.zst" "$S/layer4.tar"

sh "$TESTS/conformance/lib/kernel_flatten.sh" -m kernel.mtimes kernel.list "$@"
rc=$?
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || { echo "FAIL: kernel_flatten.sh failed ($rc)"; exit 1; }

status=0
# diffs WANT GOT WHAT
diffs() {
	if ! cmp -s "$1" "$2"; then
		echo "FAIL: $3 (--- $1, +++ $2):"
		diff -u "$1" "$2" | head -n 60
		status=1
	fi
}
diffs "$S/expected.list" kernel.list "the kernel disagrees with the hand-derived expected.list"
diffs "$S/expected.mtimes" kernel.mtimes "the kernel disagrees with the hand-derived expected.mtimes"

"$OVERTAR" flatten -o overtar.tar "$@" 2>err || { cat err; echo "FAIL: overtar flatten failed"; exit 1; }
python3 "$CANON" overtar.tar >overtar.list || { echo "FAIL: canonical-list.py failed on overtar's output"; exit 1; }
python3 "$TESTS/cli/lib/tarcheck.py" --mtimes overtar.tar >overtar.mtimes
diffs kernel.list overtar.list "overtar differs from the kernel overlay"
diffs kernel.mtimes overtar.mtimes "overtar's mtimes differ from the kernel overlay's"
[ "$status" -eq 0 ] && echo "kernel and overtar agree on $(wc -l <kernel.list) entries"
exit $status
