# generated_vs_kernel.sh -- the fixed set of `make check`: seeds 1-50 of the
# case generator (gen.py), and the regression cases in cases/*.json (each a
# bug the generator found, shrunk or written small by hand), each through a
# kernel overlayfs mount and through overtar (conform.py: flatten, build
# --emit flat, build --emit layer stacked by the kernel, error parity with
# the errno class). The seeds must exercise their scripts: at least 80 % of
# their commands must run in the kernel (conform.py --min-ran; seeds 1-50
# run 96 %), else the comparisons would be of nearly empty scripts.
# Needs root and overlayfs; prints SKIP and exits 77 otherwise.
# More seeds: make conformance SEEDS=N SEED_START=S.
set -u
: "${OVERTAR:?}" "${CANON:?}"
: "${TESTS:=$TESTDATA/../tests}"
export CANON
keep=${TMPDIR:-/tmp}/overtar-conformance
python3 "$TESTS/conformance/conform.py" --keep "$keep" -j 2 --min-ran 80 "$OVERTAR" \
	--seeds 50 --start 1 >seeds.out 2>&1
rc=$?
[ "$rc" -eq 77 ] && { grep '^SKIP' seeds.out; exit 77; }
status=$rc
[ "$rc" -eq 0 ] || { cat seeds.out; }
grep '^commands run:' seeds.out | sed 's/^/seeds 1-50: /'
tail -n 1 seeds.out | sed 's/^/seeds 1-50: /'
python3 "$TESTS/conformance/conform.py" --keep "$keep" "$OVERTAR" \
	--case "$TESTS"/conformance/cases/*.json >cases.out 2>&1
rc=$?
[ "$rc" -eq 77 ] && { grep '^SKIP' cases.out; exit 77; }
[ "$rc" -eq 0 ] || { cat cases.out; status=1; }
tail -n 1 cases.out | sed 's/^/regression cases: /'
exit $status
