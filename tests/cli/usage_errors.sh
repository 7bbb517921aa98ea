# usage_errors.sh -- command-line mistakes are usage errors: exit status 2, a
# message on stderr that starts with "overtar: " or "usage: ", nothing on
# stdout, and no output file created.
. "$TESTS/cli/lib/common.sh"

L=$SAMPLE/layer1.tar
errors=0
# usage WHAT ARG...: overtar ARG... must exit 2
usage() {
	what=$1
	shift
	"$OVERTAR" "$@" >stdout 2>stderr
	rc=$?
	ok=1
	[ "$rc" -eq 2 ] || { echo "  exit status $rc, expected 2"; ok=0; }
	[ ! -s stdout ] || { echo "  unexpected output on stdout:"; head -n 5 stdout; ok=0; }
	[ -s stderr ] || { echo "  nothing on stderr"; ok=0; }
	if ! grep -qi -e '^overtar: ' -e '^usage: ' stderr; then
		echo "  stderr has no line starting with 'overtar: ' or 'usage: '"; ok=0
	fi
	[ ! -e out.tar ] || { echo "  out.tar was created"; ok=0; rm -f out.tar; }
	if [ "$ok" = 1 ]; then
		echo "ok   $what: $(head -n 1 stderr)"
	else
		echo "BAD  $what (overtar $*)"
		sed 's/^/    | /' stderr | head -n 10
		errors=$((errors + 1))
	fi
}

usage "no arguments at all"
usage "unknown command" frobnicate "$L"
usage "unknown global option" --bogus
usage "flatten with no layers" flatten
usage "flatten -o with no layers" flatten -o out.tar
usage "unknown flatten option" flatten --bogus -o out.tar "$L"
usage "unknown short option" flatten -Q -o out.tar "$L"
usage "-o without its argument" flatten -o
usage "-z without its argument" flatten -z
usage "unknown compression" flatten -z lzma -o out.tar "$L"
usage "help for an unknown command" help frobnicate

[ "$errors" -eq 0 ] || fail "$errors case(s) were not usage errors"
