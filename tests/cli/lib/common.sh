# common.sh -- sourced by every CLI test (POSIX sh). The runner (tests/run.sh)
# sets OVERTAR, TESTDATA, TESTS, SHARED, CANON and runs the test in a fresh
# temporary directory. To run one test by hand from the repository:
#   d=$(mktemp -d); (cd "$d" && OVERTAR=$PWD/overtar TESTDATA=$PWD/testdata \
#     CANON=$PWD/../shared/bench/canonical-list.py sh $PWD/tests/cli/NAME.sh)
set -u
: "${OVERTAR:?OVERTAR must name the overtar binary}"
: "${TESTDATA:?TESTDATA must name testdata/}"
: "${TESTS:=$TESTDATA/../tests}"
: "${CANON:=$TESTDATA/../../shared/bench/canonical-list.py}"
LIB=$TESTS/cli/lib
SAMPLE=$TESTDATA/sample

fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
note() { printf '# %s\n' "$*"; }

# flatten_sample [OPTION...]: overtar flatten OPTION... over the four sample
# layers, base first.
flatten_sample() {
	"$OVERTAR" flatten "$@" "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
		"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
}

# comp_of FILE: none, gzip or zstd, from the file's first bytes.
comp_of() {
	case $(od -An -tx1 -N4 "$1" | tr -d ' \n') in
	1f8b*) echo gzip ;;
	28b52ffd) echo zstd ;;
	*) echo none ;;
	esac
}

# plain_tar FILE OUT: OUT is FILE decompressed (canonical-list.py, being
# stdlib python, cannot read zstd).
plain_tar() {
	case $(comp_of "$1") in
	gzip) gzip -dc <"$1" >"$2" ;;
	zstd) zstd -q -dc <"$1" >"$2" ;;
	*) cat <"$1" >"$2" ;;
	esac
}

# canon TAR: the canonical listing of a tar (plain, gzip or zstd) on stdout.
canon() {
	plain_tar "$1" "$1.canon-plain" || fail "cannot decompress '$1'"
	python3 "$CANON" "$1.canon-plain" || fail "canonical-list.py failed on '$1'"
	rm -f "$1.canon-plain"
}

# same_listing EXPECTED ACTUAL WHAT: fail with a readable diff if they differ.
same_listing() {
	if ! cmp -s "$1" "$2"; then
		echo "FAIL: $3: listing differs (--- expected, +++ actual):"
		diff -u "$1" "$2" | head -n 80
		exit 1
	fi
}

# run_ok WHAT CMD...: run CMD with stdout to ./run.out and stderr to
# ./run.err; fail unless it exits 0 with an empty stderr.
run_ok() {
	what=$1
	shift
	"$@" >run.out 2>run.err
	rc=$?
	[ "$rc" -eq 0 ] || { cat run.err; fail "$what: exit status $rc, expected 0"; }
	[ ! -s run.err ] || { cat run.err; fail "$what: unexpected output on stderr"; }
}

# run_fails STATUS REGEX WHAT CMD...: run CMD with stdout to ./run.out and
# stderr to ./run.err; fail unless it exits with exactly STATUS (so a crash,
# an ASan abort or a leak report is never taken for the refusal), writes
# nothing on stdout and exactly one line on stderr, that line matching the
# extended regular expression REGEX whole.
run_fails() {
	want=$1 pat=$2 what=$3
	shift 3
	"$@" >run.out 2>run.err
	rc=$?
	[ "$rc" -eq "$want" ] || { cat run.err; fail "$what: exit status $rc, expected $want"; }
	[ ! -s run.out ] || { head -c 300 run.out; fail "$what: unexpected output on stdout"; }
	[ "$(wc -l <run.err)" -eq 1 ] || { cat run.err; fail "$what: not one line on stderr"; }
	grep -Eqx -- "$pat" run.err || { cat run.err; fail "$what: the message is not /$pat/"; }
}
