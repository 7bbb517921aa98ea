# stdout_errors.sh -- standard output is checked once, in main, after any
# command (git's run_builtin): a write that fails (a full disk) makes every
# command that printed exit 1 with "overtar: cannot write to standard
# output: REASON"; a command that printed nothing does not fail on a
# stdout the caller closed.
. "$TESTS/cli/lib/common.sh"

L=$SAMPLE/layer1.tar
[ -w /dev/full ] || skip "no /dev/full"
errors=0
# full WHAT CMD...: CMD >/dev/full must exit 1 with the stdout message
full() {
	what=$1
	shift
	"$@" >/dev/full 2>err
	rc=$?
	if [ "$rc" -eq 1 ] &&
	   grep -qx 'overtar: cannot write to standard output: No space left on device' err; then
		echo "ok   $what"
	else
		echo "BAD  $what: exit status $rc, expected 1"
		sed 's/^/    | /' err | head -n 5
		errors=$((errors + 1))
	fi
}
full "help flatten" "$OVERTAR" help flatten
full "flatten --help" "$OVERTAR" flatten --help
full "ls" "$OVERTAR" ls -lR "$L"
full "stat" "$OVERTAR" stat "$L" -- /
full "cat" "$OVERTAR" cat "$L" -- /bin/busybox
full "inspect" "$OVERTAR" inspect "$L"
full "inspect --json" "$OVERTAR" inspect --json "$L"
[ "$errors" = 0 ] || fail "$errors commands did not report a failed stdout"

"$OVERTAR" flatten -o out.tar "$L" >&- 2>err || { cat err; fail "flatten -o FILE with stdout closed failed"; }
[ ! -s err ] || { cat err; fail "flatten -o FILE with stdout closed: output on stderr"; }
[ -s out.tar ] || fail "flatten -o FILE with stdout closed wrote no out.tar"
# nothing open at fd 1 at all: a usage error stays a usage error
"$OVERTAR" flatten >&- 2>err
rc=$?
[ "$rc" -eq 2 ] || { cat err; fail "flatten with no layers and stdout closed: exit status $rc, expected 2"; }
grep -qx "overtar: flatten: no layers given (see 'overtar help flatten')" err || { cat err; fail "flatten with stdout closed: wrong message"; }
