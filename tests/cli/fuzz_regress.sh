# fuzz_regress.sh -- every input in tests/fuzz/regress/TARGET/ (a crash,
# leak or hang the fuzzers found, and fixed) replayed through that target's
# LLVMFuzzerTestOneInput with ASan and UBSan (tests/fuzz/README.md). Runs in
# the asan variant only: the replay binaries are the sanitized ones.
# run.sh: asan only
. "$TESTS/cli/lib/common.sh"

: "${OVERTAR_BUILD:?OVERTAR_BUILD must name the build folder}"
n=0
for dir in "$TESTS"/fuzz/regress/*/; do
	[ -d "$dir" ] || continue
	t=$(basename "$dir")
	bin=$OVERTAR_BUILD/san/fuzz/fuzz_$t
	[ -x "$bin" ] || fail "'$bin' not built"
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		TMPDIR=$PWD timeout 60 "$bin" "$f" >out 2>&1 ||
			{ cat out; fail "fuzz_$t: $(basename "$f")"; }
		n=$((n + 1))
	done
done
[ -z "$(ls -A . | grep -v '^out$')" ] || fail "left behind: $(ls -A)"
note "$n input(s) replayed"
