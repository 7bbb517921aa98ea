# flatten_errors.sh -- every malformed or missing layer fails cleanly:
# exit status 1, exactly one line on stderr that starts with "overtar: " and
# names the layer file, nothing on stdout, no output file left behind, and an
# existing output file left byte for byte as it was.
# The malformed layers are built by lib/mkbad.py (see its docstring).
. "$TESTS/cli/lib/common.sh"

python3 "$LIB/mkbad.py" in || fail "mkbad.py failed"
base=$SAMPLE/layer1.tar
mkdir out
printf 'precious\n' >precious
errors=0

# check NAME LAYER...: flatten must fail on layer file NAME (given as in/NAME)
check() {
	name=$1
	shift
	ok=1
	# 1) to a new output file
	"$OVERTAR" flatten -o out/new.tar "$@" >stdout 2>stderr
	rc=$?
	[ "$rc" -eq 1 ] || { echo "  $name: exit status $rc, expected 1"; ok=0; }
	[ ! -s stdout ] || { echo "  $name: unexpected output on stdout"; ok=0; }
	lines=$(wc -l <stderr)
	first=$(head -n 1 stderr)
	[ "$lines" -eq 1 ] || { echo "  $name: $lines lines on stderr, expected 1:"; sed 's/^/    | /' stderr | head -n 20; ok=0; }
	case $first in
	"overtar: "*) ;;
	*) echo "  $name: stderr does not start with 'overtar: ': $first"; ok=0 ;;
	esac
	case $first in
	*"layer '"*"$name'"*) ;;
	*) echo "  $name: stderr does not name the layer as layer '...$name': $first"; ok=0 ;;
	esac
	left=$(ls -A out)
	[ -z "$left" ] || { echo "  $name: left behind in the output dir: $left"; ok=0; rm -f out/* out/.[!.]* 2>/dev/null; }
	# 2) over an existing output file: it must be left unchanged
	cp precious out/existing.tar
	"$OVERTAR" flatten -o out/existing.tar "$@" >/dev/null 2>stderr2
	rc=$?
	[ "$rc" -eq 1 ] || { echo "  $name: over an existing file: exit status $rc, expected 1"; ok=0; }
	cmp -s precious out/existing.tar || { echo "  $name: the existing output file was changed"; ok=0; }
	left=$(ls -A out)
	[ "$left" = existing.tar ] || { echo "  $name: over an existing file: left behind: $left"; ok=0; }
	rm -f out/* out/.[!.]* 2>/dev/null
	if [ "$ok" = 1 ]; then
		echo "ok   $name: $first"
	else
		echo "BAD  $name (overtar flatten -o ... $*)"
		errors=$((errors + 1))
	fi
}

# A missing layer file.
check nonexistent.tar "$base" in/nonexistent.tar
# Truncated archives: inside a header, inside file data, and a header that
# declares more data than the file holds.
check truncated.tar "$base" in/truncated.tar
check truncated-data.tar "$base" in/truncated-data.tar
check size-beyond.tar "$base" in/size-beyond.tar
# A header whose checksum is wrong (a damaged archive, not something to skip).
check bad-checksum.tar "$base" in/bad-checksum.tar
# Not a tar at all, and corrupt compressed streams.
check not-a-tar.tar "$base" in/not-a-tar.tar
check corrupt.tar.gz "$base" in/corrupt.tar.gz
check truncated.tar.gz "$base" in/truncated.tar.gz
[ -f in/truncated.tar.zst ] && check truncated.tar.zst "$base" in/truncated.tar.zst
# Entries that are invalid in a layer: a hard link to nothing, names that
# climb out of the root, a whiteout of the empty name.
check hardlink-missing.tar "$base" in/hardlink-missing.tar
check dotdot.tar "$base" in/dotdot.tar
check dotdot-inner.tar "$base" in/dotdot-inner.tar
check bare-wh.tar "$base" in/bare-wh.tar
# The bad layer first, a good one after it: still named.
check not-a-tar.tar in/not-a-tar.tar "$base"

[ "$errors" -eq 0 ] || fail "$errors case(s) did not fail cleanly"
