# mount_failure_counted.sh -- a kernel mount that fails after conform.py's
# probe mounted is the failure of that case, not a skip of the whole run:
# the cases before and after it still count. The failing case stacks 600
# layers: more than overlayfs stacks (500), in a lowerdir= option longer
# than mount(2) takes (one page);
# the two other cases are the regression cases ln_f_same_file and
# mv_same_file. Needs root and overlayfs; prints SKIP and exits 77 otherwise.
set -u
: "${OVERTAR:?}" "${CANON:?}"
: "${TESTS:=$TESTDATA/../tests}"
export CANON
python3 - <<'PY' || { echo "FAIL: cannot write the case"; exit 1; }
import json
layers = [[{"t": "f", "p": "f%d" % i, "mode": 0o644, "uid": 0, "gid": 0,
            "mtime": [1500000000, 0], "data": "x"}] for i in range(600)]
json.dump({"seed": 0, "inputs": [], "layers": layers,
           "cmds": [{"argv": ["write", "/new", "x"], "heredoc": None}]},
          open("too_many_layers.json", "w"))
PY
C=$TESTS/conformance/cases
python3 "$TESTS/conformance/conform.py" --keep "$PWD/keep" "$OVERTAR" \
	--case "$C/ln_f_same_file.json" too_many_layers.json "$C/mv_same_file.json" >out 2>&1
rc=$?
[ "$rc" -eq 77 ] && { grep '^SKIP' out; exit 77; }
status=0
[ "$rc" -eq 1 ] || { echo "FAIL: conform.py exit $rc, want 1"; status=1; }
grep -q '^ok ln_f_same_file$' out || { echo "FAIL: the case before the failed mount did not pass"; status=1; }
grep -q '^ok mv_same_file$' out || { echo "FAIL: the case after the failed mount did not pass"; status=1; }
grep -q '^FAIL too_many_layers ' out || { echo "FAIL: the failed mount is not its case's failure"; status=1; }
grep -q "oracle error: MountError('mount -t overlay failed" out ||
	{ echo "FAIL: the failure does not name the mount"; status=1; }
[ "$(tail -n 1 out)" = "2 passed, 1 failed" ] || { echo "FAIL: last line '$(tail -n 1 out)'"; status=1; }
[ "$status" -eq 0 ] || cat out
exit $status
