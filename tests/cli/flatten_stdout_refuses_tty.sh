# flatten_stdout_refuses_tty.sh -- without -o, flatten refuses to write a
# tar to a terminal: it fails (non-zero exit) with an "overtar: " message and
# writes no archive bytes (no tar header). The terminal is a pty from script(1) (util-linux);
# skipped where that is missing.
. "$TESTS/cli/lib/common.sh"

command -v script >/dev/null 2>&1 || skip "no script(1) to make a terminal"
script -qec "true" /dev/null >/dev/null 2>&1 </dev/null || skip "script(1) cannot make a terminal here"
cat >inner.sh <<INNER
"$OVERTAR" flatten "$SAMPLE/layer1.tar"
echo "rc=\$?"
INNER
script -qec "sh inner.sh" /dev/null >typescript 2>&1 </dev/null
tr -d '\r' <typescript >ts
rc=$(sed -n 's/^rc=//p' ts | tail -n 1)
[ -n "$rc" ] || { head -n 5 ts; fail "no exit status from the terminal run"; }
[ "$rc" -ne 0 ] || fail "flatten to a terminal exited 0"
grep -q 'overtar: ' ts || { head -n 5 ts; fail "no 'overtar: ' message"; }
# No tar header reached the terminal (every header carries "ustar"); a
# usage text after the message is fine.
if grep -aq ustar ts; then fail "flatten wrote tar data to the terminal"; fi
note "terminal: exit $rc: $(grep 'overtar: ' ts | head -n 1)"
