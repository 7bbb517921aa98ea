# build_usage_errors.sh -- command-line mistakes of overtar build are usage
# errors: exit status 2, a message on stderr starting "overtar: ", nothing
# on stdout, no output file. A script file that cannot be read is a
# failure (exit 1) named as such, not a script line.
. "$TESTS/cli/lib/common.sh"

L=$SAMPLE/layer1.tar
errors=0
# usage WHAT [VAR=VALUE] -- ARG...: overtar build ARG... must exit 2
usage() {
	what=$1
	shift
	env "$@" >stdout 2>stderr
	rc=$?
	ok=1
	[ "$rc" -eq 2 ] || { echo "  exit status $rc, expected 2"; ok=0; }
	[ ! -s stdout ] || { echo "  unexpected output on stdout"; ok=0; }
	grep -q '^overtar: ' stderr || { echo "  no 'overtar: ' message"; ok=0; }
	[ ! -e out.tar ] || { echo "  out.tar was created"; ok=0; rm -f out.tar; }
	if [ "$ok" = 1 ]; then
		echo "ok   $what: $(head -n 1 stderr)"
	else
		echo "BAD  $what"
		sed 's/^/    | /' stderr | head -n 5
		errors=$((errors + 1))
	fi
}

usage "bad --emit" "$OVERTAR" build --emit tree -e 'mkdir /a' -o out.tar "$L"
usage "bad --whiteouts" "$OVERTAR" build --emit layer --whiteouts aufs \
	-e 'mkdir /a' -o out.tar "$L"
usage "no layers" "$OVERTAR" build -e 'mkdir /a' -o out.tar
usage "no layers, no script" "$OVERTAR" build -o out.tar
usage "bad --mtime" "$OVERTAR" build --mtime yesterday -e 'mkdir /a' \
	-o out.tar "$L"
usage "bad SOURCE_DATE_EPOCH" SOURCE_DATE_EPOCH=soon "$OVERTAR" build \
	-e 'mkdir /a' -o out.tar "$L"
usage "-e without its argument" "$OVERTAR" build -o out.tar "$L" -e
usage "unknown option" "$OVERTAR" build --frobnicate -e 'mkdir /a' \
	-o out.tar "$L"

"$OVERTAR" build -f missing.ots -o out.tar "$L" >stdout 2>stderr
rc=$?
[ "$rc" -eq 1 ] || fail "unreadable script: exit status $rc, expected 1"
[ "$(wc -l <stderr)" -eq 1 ] || fail "unreadable script: $(wc -l <stderr) lines on stderr"
case $(cat stderr) in
"overtar: script 'missing.ots': cannot read script: "*) ;;
*) fail "unreadable script: stderr: $(cat stderr)" ;;
esac
[ ! -e out.tar ] || fail "unreadable script: out.tar was created"

[ "$errors" -eq 0 ] || fail "$errors case(s) were not usage errors"
