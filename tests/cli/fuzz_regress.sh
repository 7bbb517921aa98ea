# fuzz_regress.sh -- every input in tests/fuzz/regress/TARGET/ replayed
# through that target's LLVMFuzzerTestOneInput with ASan and UBSan
# (tests/fuzz/README.md): the corpus each fuzzer minimised (-merge=1), and
# any crash, leak or hang it found once and that was fixed. Each target of
# the Makefile's FUZZ_TARGETS must have inputs there: an empty or missing
# folder fails, so that the replay never passes with nothing to replay.
# Runs in the asan variant only: the replay binaries are the sanitized ones.
# run.sh: asan only
. "$TESTS/cli/lib/common.sh"

: "${OVERTAR_BUILD:?OVERTAR_BUILD must name the build folder}"
targets=$(sed -n 's/^FUZZ_TARGETS := //p' "$TESTS/../Makefile")
[ -n "$targets" ] || fail "no FUZZ_TARGETS in the Makefile"
total=0
for t in $targets; do
	dir=$TESTS/fuzz/regress/$t
	bin=$OVERTAR_BUILD/san/fuzz/fuzz_$t
	[ -x "$bin" ] || fail "'$bin' not built"
	n=0
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "tests/fuzz/regress/$t/ holds no input: nothing to replay"
	# many inputs per process: the corpus is hundreds of small files
	(cd "$dir" && ls -A) | while IFS= read -r name; do
		printf '%s\n' "$dir/$name"
	done >list
	tr '\n' '\0' <list | TMPDIR=$PWD timeout 300 xargs -0 -n 200 "$bin" >out 2>&1 ||
		{ tail -n 40 out; fail "fuzz_$t: an input crashed, leaked or hung (see above)"; }
	note "fuzz_$t: $n input(s) replayed"
	total=$((total + n))
done
rm -f out list
[ -z "$(ls -A .)" ] || fail "left behind: $(ls -A)"
note "$total input(s) replayed"
