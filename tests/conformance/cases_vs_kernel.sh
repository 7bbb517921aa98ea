# cases_vs_kernel.sh -- the small layer stacks of tests/cli/lib/mklayers.py
# (hard-link group with its data holder whited out; opaque markers before and
# after their siblings; whiteout and re-add in one layer; overlayfs-spelled
# whiteouts), each through a kernel overlayfs mount (lib/kernel_flatten.sh)
# and through overtar: the canonical listings and mtimes must be equal.
# Needs root and overlayfs; prints SKIP and exits 77 otherwise (when the
# first case cannot mount; a later case that cannot is a failure).
set -u
: "${OVERTAR:?}" "${TESTDATA:?}" "${CANON:?}"
: "${TESTS:=$TESTDATA/../tests}"
export CANON

python3 "$TESTS/cli/lib/mklayers.py" cases || { echo "FAIL: mklayers.py failed"; exit 1; }
status=0
mounted=0
for d in cases/*/; do
	c=$(basename "$d")
	set -- "$d"layer*.tar
	sh "$TESTS/conformance/lib/kernel_flatten.sh" -m $c.kernel.mtimes $c.kernel.list "$@"
	rc=$?
	# a skip after a case mounted is that case's failure: the results
	# already counted stay
	[ "$rc" -eq 77 ] && [ "$mounted" -eq 0 ] && exit 77
	[ "$rc" -eq 77 ] && { echo "FAIL: $c: the kernel mount failed after others worked"; status=1; continue; }
	mounted=1
	[ "$rc" -eq 0 ] || { echo "FAIL: $c: kernel_flatten.sh failed ($rc)"; status=1; continue; }
	"$OVERTAR" flatten -o $c.tar "$@" 2>err || { cat err; echo "FAIL: $c: overtar flatten failed"; status=1; continue; }
	python3 "$CANON" $c.tar >$c.overtar.list
	python3 "$TESTS/cli/lib/tarcheck.py" --mtimes $c.tar >$c.overtar.mtimes
	for k in list mtimes; do
		if ! cmp -s $c.kernel.$k $c.overtar.$k; then
			echo "FAIL: $c: overtar's $k differs from the kernel's (--- kernel, +++ overtar):"
			diff -u $c.kernel.$k $c.overtar.$k | head -n 40
			status=1
		fi
	done
	[ "$status" -eq 0 ] && echo "ok $c: $(wc -l <$c.kernel.list) entries agree"
done
exit $status
