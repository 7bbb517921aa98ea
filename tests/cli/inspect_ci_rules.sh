# inspect_ci_rules.sh -- the CI rules of overtar inspect on the sample image,
# whose wasted bytes are 138 of 489 (28.22%) and efficiency 351/489 =
# 0.7178 (derived by hand in inspect_sample_summary.sh). A rule at the
# image's value passes, one just beyond fails: exit status 1, the report
# still on stdout, and one line per broken rule on stderr naming the rule.
# A malformed limit is a usage error (exit status 2).
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"

# pass RULE...: inspect exits 0 with nothing on stderr
pass() {
	# shellcheck disable=SC2086
	run_ok "inspect $*" "$OVERTAR" inspect "$@" $L
}

# broken WANT RULE...: exit status 1, stderr is exactly WANT (one line per
# broken rule), stdout has the report
broken() {
	want=$1
	shift
	# shellcheck disable=SC2086
	"$OVERTAR" inspect "$@" $L >out 2>err
	rc=$?
	[ "$rc" -eq 1 ] || fail "inspect $*: exit status $rc, expected 1"
	printf '%s\n' "$want" >want
	same_listing want err "stderr of inspect $*"
	grep -q '^bytes: 489$' out || fail "inspect $*: no report on stdout"
}

pass --max-wasted 138
pass --max-wasted 29%
pass --max-wasted 1K
pass --min-efficiency 0.7
pass --max-wasted 138 --min-efficiency 0.71
broken "overtar: inspect: rule '--max-wasted 137' broken: 138 bytes are wasted" \
	--max-wasted 137
broken "overtar: inspect: rule '--max-wasted 28%' broken: 28.22% of the image's bytes are wasted (138 of 489)" \
	--max-wasted 28%
broken "overtar: inspect: rule '--min-efficiency 0.72' broken: efficiency is 0.7178" \
	--min-efficiency 0.72
broken "overtar: inspect: rule '--max-wasted 0' broken: 138 bytes are wasted
overtar: inspect: rule '--min-efficiency 0.9' broken: efficiency is 0.7178" \
	--max-wasted 0 --min-efficiency 0.9

# rules apply with --json too
# shellcheck disable=SC2086
"$OVERTAR" inspect --json --min-efficiency 1 $L >out 2>err
[ $? -eq 1 ] || fail "--json --min-efficiency 1: expected exit status 1"

for bad in "--max-wasted=-1" "--max-wasted=12X" "--max-wasted=101%" \
	"--min-efficiency=1.5" "--min-efficiency=abc" "--top=-3"; do
	# shellcheck disable=SC2086
	"$OVERTAR" inspect "$bad" $L >out 2>err
	rc=$?
	[ "$rc" -eq 2 ] || fail "inspect $bad: exit status $rc, expected 2"
	head -n 1 err | grep -q '^overtar: ' || fail "inspect $bad: no 'overtar: ' message"
done
exit 0
