# inspect_dive_figures.sh -- overtar inspect gives dive's figures and dive's
# CI verdicts.
#  1. dive's own test image (testdata/dive, from wagoodman/dive
#     .data/test-docker-image.tar): the figures dive's Test_Analysis asserts
#     (dive/image/docker/image_archive_analysis_test.go: efficiency
#     0.9844212134184309, sizeBytes 1220598, userSizeBytes 66237,
#     wastedBytes 32025, wastedUserPercent 0.4834911001404049), to the last
#     digit in --json and as dive's CI mode prints them in text.
#  2. dive's CI rules on that image as dive's Test_Evaluator expects them
#     (runtime ci evaluator_test.go: allFail, allPass, allDisabled,
#     mixedResults), and dive's .data/.dive-ci read unchanged (PASS), the
#     same file with highestUserWastedPercent 0.10 (its older version: FAIL,
#     exit status 1), dive's defaults with --ci (FAIL: 0.48 > 0.1).
#  3. the sample stack and 40 generated stacks (mkdivecases.py: whiteouts
#     of files, directories and of nothing, opaque markers, a whiteout
#     beside its own name, hard links, files over directories) against
#     dive_metrics.py, a second implementation of dive's algorithm working
#     on the tars themselves.
. "$TESTS/cli/lib/common.sh"

xz -dc "$TESTDATA/dive/test-docker-image.tar.xz" >dive.tar || fail "xz -dc"
IMG=docker-archive:dive.tar

# 1. the figures
run_ok "inspect --json" "$OVERTAR" inspect --json "$IMG"
grep '"record":"image"' run.out >image.json
for kv in '"size_bytes":1220598' '"user_size_bytes":66237' \
	'"wasted_bytes":32025' '"dive_efficiency":0.9844212134184309' \
	'"user_wasted_percent":0.4834911001404049'; do
	grep -qF "$kv" image.json || fail "dive figure $kv not in $(cat image.json)"
done
run_ok "inspect" "$OVERTAR" inspect "$IMG"
sed -n '/^Analysis:$/,/^$/p' run.out >analysis
printf '%s\n' 'Analysis:' '  efficiency:        98.44 %' \
	'  wastedBytes:       32025 bytes (32 kB)' \
	'  userWastedPercent: 48.35 %' '' >analysis.exp
same_listing analysis.exp analysis "dive's Analysis section"
# each layer by index, short digest and its history command
grep -q '^    4  4abad3abe3cb .*/bin/sh -c cp /somefile.txt /root/example/somefile1.txt$' run.out ||
	fail "layer 4 line: $(sed -n 5p run.out)"

# 2. the rules: evaluation LOWEST WASTED PERCENT STATUS EXPECTED-LINES...
evaluation() {
	eff=$1 bytes=$2 pct=$3 want=$4
	shift 4
	"$OVERTAR" inspect --lowest-efficiency "$eff" --highest-wasted-bytes "$bytes" \
		--highest-user-wasted-percent "$pct" "$IMG" >out 2>err
	rc=$?
	[ "$rc" -eq "$want" ] || fail "rules $eff $bytes $pct: exit status $rc, expected $want"
	sed -n '/^Evaluation:$/,$p' out >eval
	printf '%s\n' 'Evaluation:' "$@" >eval.exp
	same_listing eval.exp eval "Evaluation of $eff $bytes $pct"
}
evaluation 0.99 1B 0.01 1 \
	'  FAIL  highestUserWastedPercent (too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.48 > threshold=0.01))' \
	'  FAIL  highestWastedBytes (too many bytes wasted (wasted-bytes=32025 > threshold=1))' \
	'  FAIL  lowestEfficiency (image efficiency is too low (efficiency=0.98 < threshold=0.99))' \
	'' 'FAIL [fail:3]'
grep -qx "overtar: inspect: rule 'lowestEfficiency: 0.99' failed: image efficiency is too low (efficiency=0.98 < threshold=0.99)" err ||
	fail "no stderr line for lowestEfficiency: $(cat err)"
[ "$(wc -l <err)" -eq 3 ] || fail "allFail: $(wc -l <err) lines on stderr, expected 3"
evaluation 0.9 50kB 0.5 0 '  PASS  highestUserWastedPercent (0.5)' \
	'  PASS  highestWastedBytes (50kB)' '  PASS  lowestEfficiency (0.9)' '' \
	'PASS [pass:3]'
evaluation disabled disabled disabled 0 \
	'  SKIP  highestUserWastedPercent (disabled)' \
	'  SKIP  highestWastedBytes (disabled)' '  SKIP  lowestEfficiency (disabled)' \
	'' 'PASS [skip:3]'
evaluation 0.9 1B 0.5 1 '  PASS  highestUserWastedPercent (0.5)' \
	'  FAIL  highestWastedBytes (too many bytes wasted (wasted-bytes=32025 > threshold=1))' \
	'  PASS  lowestEfficiency (0.9)' '' 'FAIL [pass:2 fail:1]'
# go-humanize's units: 32025 bytes are more than 32kB, not more than 32KiB
evaluation 0.9 32kB 0.5 1 '  PASS  highestUserWastedPercent (0.5)' \
	'  FAIL  highestWastedBytes (too many bytes wasted (wasted-bytes=32025 > threshold=32000))' \
	'  PASS  lowestEfficiency (0.9)' '' 'FAIL [pass:2 fail:1]'
evaluation 0.9 32KiB 0.5 0 '  PASS  highestUserWastedPercent (0.5)' \
	'  PASS  highestWastedBytes (32KiB)' '  PASS  lowestEfficiency (0.9)' '' \
	'PASS [pass:3]'

# dive's .dive-ci, unchanged: PASS; with the older 0.10: FAIL
run_ok "inspect --ci-config" "$OVERTAR" inspect --ci-config "$TESTDATA/dive/dive-ci" "$IMG"
tail -n 1 run.out | grep -qx 'PASS \[pass:3\]' || fail "dive-ci: $(tail -n 1 run.out)"
sed 's/highestUserWastedPercent: 0.5/highestUserWastedPercent: 0.10/' \
	"$TESTDATA/dive/dive-ci" >old-dive-ci
grep -q '0.10$' old-dive-ci || fail "old-dive-ci not made"
"$OVERTAR" inspect --ci-config old-dive-ci "$IMG" >out 2>err
[ $? -eq 1 ] || fail "old dive-ci: expected exit status 1"
grep -qx '  FAIL  highestUserWastedPercent (too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.48 > threshold=0.1))' out ||
	fail "old dive-ci: $(cat out | tail -n 6)"
# an option overrides the file, as dive's flags override its config
run_ok "--ci-config + option" "$OVERTAR" inspect --ci-config old-dive-ci \
	--highest-user-wasted-percent 0.5 "$IMG"
# kebab-case keys, quotes and comments
printf 'rules:\n  lowest-efficiency: "0.99" # dive 0.5 keys\n' >kebab-ci
"$OVERTAR" inspect --ci-config kebab-ci "$IMG" >out 2>err
[ $? -eq 1 ] || fail "kebab-ci: expected exit status 1"
grep -q '^  FAIL  lowestEfficiency ' out || fail "kebab-ci: lowestEfficiency not failed"
# --ci: dive's defaults (0.9, disabled, 0.1)
"$OVERTAR" inspect --ci "$IMG" >out 2>err
[ $? -eq 1 ] || fail "--ci: expected exit status 1"
tail -n 1 out | grep -qx 'FAIL \[pass:1 fail:1 skip:1\]' || fail "--ci: $(tail -n 1 out)"
# bad values: usage errors naming the rule
printf 'rules:\n  lowestEfficiency: 1.5\n' >bad-ci
"$OVERTAR" inspect --ci-config bad-ci "$IMG" >out 2>err
[ $? -eq 2 ] || fail "bad-ci: expected exit status 2"
grep -qF "overtar: inspect: CI file 'bad-ci': lowestEfficiency: '1.5' is not a ratio from 0 to 1" err ||
	fail "bad-ci: $(cat err)"
"$OVERTAR" inspect --highest-wasted-bytes 12X "$IMG" >out 2>err
[ $? -eq 2 ] || fail "--highest-wasted-bytes 12X: expected exit status 2"
"$OVERTAR" inspect --ci-config missing-ci "$IMG" >out 2>err
[ $? -eq 2 ] || fail "missing CI file: expected exit status 2"

# 3. against the oracle
python3 "$LIB/mkdivecases.py" 17 40 cases || fail "mkdivecases.py"
python3 - "$OVERTAR" "$SAMPLE" <<'EOF' || exit 1
import json, math, os, subprocess, sys
sys.path.insert(0, os.path.join(os.environ["TESTS"], "cli", "lib"))
import dive_metrics as dm
ov, sample = sys.argv[1], sys.argv[2]
stacks = [[os.path.join(sample, f) for f in
           ("layer1.tar", "layer2.tar.gz", "layer3.tar.zst", "layer4.tar")]]
for d in sorted(os.listdir("cases"), key=int):
    stacks.append(sorted(os.path.join("cases", d, f)
                         for f in os.listdir(os.path.join("cases", d))))
for layers in stacks:
    trees, sizes = zip(*(dm.layer_tree(dm.read_layer(p)) for p in layers))
    eff, wasted = dm.efficiency(list(trees))
    user = sum(sizes[1:])
    pct = wasted / user if user else None
    out = subprocess.run([ov, "inspect", "--json"] + layers, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    img = [json.loads(l) for l in out.splitlines() if '"image"' in l][0]
    got = (img["dive_efficiency"], img["size_bytes"], img["user_size_bytes"],
           img["wasted_bytes"], img["user_wasted_percent"])
    exp = (eff, sum(sizes), user, wasted, pct)
    if got != exp:
        print("FAIL: dive figures of %s: expected %r, got %r" % (layers, exp, got))
        sys.exit(1)
print("# %d stacks agree with dive_metrics.py" % len(stacks))
EOF
exit 0
