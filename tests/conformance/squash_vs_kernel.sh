# squash_vs_kernel.sh -- `overtar squash --keep K` proven against a kernel
# overlayfs mount: for the layer stacks of tests/cli/lib/mklayers.py, the
# sample image and seeds 1-6 of the case generator (gen.py, layers only),
# and every K from 0 to the number of layers - 1, the kept layers with the
# squashed layer stacked on them by the kernel (lib/kernel_flatten.sh) must
# give the merged tree of the whole input: the canonical listing and mtimes
# of `overtar flatten` of it (which generated_vs_kernel.sh and
# cases_vs_kernel.sh hold to the kernel's). And overtar's own flat tree of
# kept + squashed must be byte-identical to its flat tree of the input.
# Needs root and overlayfs; prints SKIP and exits 77 otherwise.
set -u
: "${OVERTAR:?}" "${TESTDATA:?}" "${CANON:?}"
: "${TESTS:=$TESTDATA/../tests}"
export CANON
kf() { sh "$TESTS/conformance/lib/kernel_flatten.sh" "$@"; }

python3 "$TESTS/cli/lib/mklayers.py" cases || { echo "FAIL: mklayers.py failed"; exit 1; }
mkdir -p stacks/sample
cp "$TESTDATA"/sample/layer*.tar* stacks/sample/
for d in cases/*/; do cp -r "$d" stacks/; done
for s in $(seq 1 6); do
	python3 "$TESTS/conformance/gen.py" $s gen >/dev/null || { echo "FAIL: gen.py $s"; exit 1; }
	mkdir stacks/seed$s && mv gen/layer*.tar stacks/seed$s/ && rm -rf gen
done
status=0
checked=0
for d in stacks/*/; do
	c=$(basename "$d")
	set -- $(ls "$d"layer* | sort -V)
	n=$#
	"$OVERTAR" flatten -o $c.flat.tar "$@" || { echo "FAIL: $c: flatten"; status=1; continue; }
	# lib/list_tar.py: keeps hard links to symlinks, fifos and devices (the
	# linktypes case), as cases_vs_kernel.sh lists overtar's tars
	python3 "$TESTS/conformance/lib/list_tar.py" $c.flat.tar >$c.want.list
	python3 "$TESTS/cli/lib/tarcheck.py" --mtimes $c.flat.tar >$c.want.mtimes
	k=0
	while [ $k -lt $n ]; do
		kept=
		i=1
		for l in "$@"; do [ $i -le $k ] && kept="$kept $l"; i=$((i + 1)); done
		if ! "$OVERTAR" squash --keep $k -o $c.sq$k.tar "$@" 2>err; then
			cat err; echo "FAIL: $c: squash --keep $k failed"; status=1
			k=$((k + 1)); continue
		fi
		kf -m $c.got$k.mtimes $c.got$k.list $kept $c.sq$k.tar
		rc=$?
		[ "$rc" -eq 77 ] && exit 77
		[ "$rc" -eq 0 ] || { echo "FAIL: $c: kernel_flatten of kept + squashed"; status=1; }
		for x in list mtimes; do
			cmp -s $c.want.$x $c.got$k.$x || {
				echo "FAIL: $c --keep $k: the kernel's $x of kept + squashed differs (--- input, +++ squashed):"
				diff -u $c.want.$x $c.got$k.$x | head -n 30; status=1; }
		done
		"$OVERTAR" flatten -o $c.re$k.tar $kept $c.sq$k.tar &&
			cmp -s $c.flat.tar $c.re$k.tar ||
			{ echo "FAIL: $c --keep $k: overtar's flat tree of kept + squashed differs"; status=1; }
		checked=$((checked + 1))
		k=$((k + 1))
	done
done
[ $status -eq 0 ] && echo "ok: $checked squashes of $(ls -d stacks/*/ | wc -l) stacks agree with the kernel"
exit $status
