# malformed_archives.sh -- the malformed-archive suite (issue 6): every case
# of tests/malformed/mkmalformed.py (see its docstring and DIR/cases) either
# fails cleanly (exit 1, one line on stderr naming the layer and holding the
# expected text, nothing on stdout, no output or temporary file left, an
# existing output untouched) or flattens to a tar that passes its check.
. "$TESTS/cli/lib/common.sh"

MAL=$TESTS/malformed
python3 "$MAL/mkmalformed.py" in || fail "mkmalformed.py failed"
mkdir out
printf 'precious\n' >precious
errors=0
bad() { echo "  $name: $*"; ok=0; }

while IFS='	' read -r name outcome detail opts; do
	ok=1
	# shellcheck disable=SC2086 # opts is one word or none
	"$OVERTAR" flatten $opts -o out/new.tar "in/$name" >stdout 2>stderr
	rc=$?
	[ ! -s stdout ] || bad "unexpected output on stdout"
	if [ "$outcome" = ok ]; then
		[ "$rc" -eq 0 ] || bad "exit status $rc, expected 0: $(head -c 300 stderr)"
		[ ! -s stderr ] || bad "unexpected stderr: $(head -c 300 stderr)"
		[ "$rc" -ne 0 ] || python3 "$MAL/check.py" out/new.tar "$detail" ||
			bad "check '$detail' failed"
		rm -f out/new.tar
	else
		[ "$rc" -eq 1 ] || bad "exit status $rc, expected 1"
		[ "$(wc -l <stderr)" -eq 1 ] || bad "not one line on stderr"
		case $(cat stderr) in
		"overtar: layer 'in/$name'"*"$detail"*) ;;
		*) bad "message lacks layer 'in/$name' or '$detail': $(head -c 300 stderr)" ;;
		esac
		cp precious out/existing.tar
		# shellcheck disable=SC2086
		"$OVERTAR" flatten $opts -o out/existing.tar "in/$name" \
			>stdout 2>stderr2
		rc=$?
		[ "$rc" -eq 1 ] || bad "over an existing file: exit status $rc, expected 1"
		cmp -s stderr stderr2 || bad "over an existing file: another message: $(head -c 300 stderr2)"
		cmp -s precious out/existing.tar || bad "existing output changed"
		rm -f out/existing.tar
	fi
	left=$(ls -A out)
	[ -z "$left" ] || { bad "left behind: $left"; rm -rf out/* out/.[!.]*; }
	if [ "$ok" = 1 ]; then
		echo "ok   $name ($outcome${detail:+: $detail})"
	else
		errors=$((errors + 1))
	fi
done <in/cases

[ "$errors" -eq 0 ] || fail "$errors case(s) not as expected"
