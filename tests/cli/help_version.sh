# help_version.sh -- --help, help COMMAND and --version print on stdout, exit
# 0, say nothing on stderr; --version gives the Makefile's VERSION; a failed
# write of that output (a full disk) is an error, exit 1, not a silent success.
. "$TESTS/cli/lib/common.sh"

version=$(sed -n 's/^VERSION *:*= *//p' "$TESTDATA/../Makefile" | head -n 1)
[ -n "$version" ] || fail "no VERSION in the Makefile"

run_ok "overtar --version" "$OVERTAR" --version
grep -q "^overtar .*$version" run.out || { cat run.out; fail "--version does not say 'overtar ... $version'"; }
[ "$(wc -l <run.out)" -le 3 ] || fail "--version prints more than 3 lines"

run_ok "overtar --help" "$OVERTAR" --help
grep -q flatten run.out || { cat run.out; fail "--help does not mention the flatten command"; }
grep -qi usage run.out || { cat run.out; fail "--help has no usage line"; }

run_ok "overtar help flatten" "$OVERTAR" help flatten
for opt in -o -z --keep-dirlinks gzip zstd; do
	grep -q -e "$opt" run.out || { cat run.out; fail "help flatten does not mention '$opt'"; }
done

run_ok "overtar flatten --help" "$OVERTAR" flatten --help
grep -q -e --keep-dirlinks run.out || { cat run.out; fail "flatten --help does not mention --keep-dirlinks"; }

if [ -w /dev/full ]; then
	"$OVERTAR" --version >/dev/full 2>err
	rc=$?
	[ "$rc" -eq 1 ] || fail "--version >/dev/full: exit status $rc, expected 1 (stdout errors must be checked)"
	grep -q '^overtar: ' err || { cat err; fail "--version >/dev/full: no 'overtar: ' message on stderr"; }
	"$OVERTAR" --help >/dev/full 2>err
	rc=$?
	[ "$rc" -eq 1 ] || fail "--help >/dev/full: exit status $rc, expected 1"
else
	note "no /dev/full: write-error cases not run"
fi
