#!/bin/sh
# run.sh -- the one test runner behind `make check`.
#
# Usage: sh tests/run.sh BUILD_DIR [FILTER...]
#
# Runs, in this order:
#   1. every unit test binary BUILD_DIR/unit/test_*, BUILD_DIR/san/unit/test_*
#      and BUILD_DIR/tsan/unit/test_* (ThreadSanitizer: a race is a failure)
#      (cmocka); each binary's tests are counted from its "[  PASSED  ] N test(s)."
#      and "[  FAILED  ] N test(s)" lines; a binary that crashes, times out or
#      exits non-zero without a failure count counts as one failed test;
#   2. every CLI test tests/cli/*.sh twice: with ./overtar and with
#      BUILD_DIR/overtar-san (ASan/UBSan: leaks and UB are failures); and the
#      ones in TSAN_CLI, whose layers load on parallel threads and whose
#      outputs compress on them, a third time with BUILD_DIR/overtar-tsan;
#   3. every kernel conformance test tests/conformance/*.sh with ./overtar
#      (they need root and overlayfs, and skip otherwise).
# A test whose header has the line "# run.sh: asan only" runs only with
# BUILD_DIR/overtar-san; "# run.sh: plain only", only with ./overtar (a
# check of the test data, not worth a second run).
#
# Skips are bounded. Before the tests, a probe mounts an overlay (lowerdir,
# upperdir, workdir, Docker overlay2's options) in the scratch folder. When
# it succeeds (root, overlayfs: what CI has), the kernel tests are expected
# to run: a kernel test that skips counts as failed ("FAIL NAME: skipped
# ..."). OVERTAR_KERNEL=1 is then in each test's environment (else 0).
# FILTERs (substrings of a test's name, e.g. "whiteout" or "unit/") run only
# the tests whose name contains one of them.
#
# A CLI or conformance test is a POSIX sh script, run as `sh TEST` with its
# working directory a fresh `mktemp -d` (removed afterwards; KEEP_TMP=1 keeps
# a copy in $TMPDIR/overtar-test.*), stdin /dev/null, and in its environment:
#   OVERTAR   absolute path of the binary under test
#   TESTDATA  absolute path of testdata/
#   TESTS     absolute path of tests/ (helpers in tests/cli/lib)
#   SHARED    absolute path of ../shared
#   CANON     absolute path of ../shared/bench/canonical-list.py
#   VARIANT   "plain", "asan" or "tsan"
#   OVERTAR_BUILD  absolute path of BUILD_DIR (fuzz replays in san/fuzz/)
#   OVERTAR_KERNEL 1 when run.sh's probe mounted an overlay, else 0
# NO_SAN=1 skips the sanitized runs, ASan and TSan (make valgrind).
# It exits 0 (pass), 77 (skip: prints "SKIP: reason") or anything else (fail).
#
# Prints whether the probe mounted, one line per test (PASS/FAIL/SKIP NAME
# [(asan)|(tsan)]), the output of each failed test indented under it, and
# last exactly one line
#   N passed, M failed, K skipped
# Exits 1 if anything failed (an expected-to-run test that skipped counts as
# failed), else 0.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: sh tests/run.sh BUILD_DIR [FILTER...]" >&2; exit 2; }
build=$1
shift
case $build in /*) ;; *) build=$repo/$build ;; esac
filters=$*

LC_ALL=C
export LC_ALL
OVERTAR_PLAIN=${OVERTAR_BIN:-$repo/overtar}
OVERTAR_SAN=$build/overtar-san
OVERTAR_TSAN=$build/overtar-tsan
TESTDATA=$repo/testdata
TESTS=$repo/tests
SHARED=$(cd "$repo/../shared" 2>/dev/null && pwd) || SHARED=$repo/../shared
CANON=$SHARED/bench/canonical-list.py
OVERTAR_BUILD=$build
export TESTDATA TESTS SHARED CANON OVERTAR_BUILD
SAN_ENV="ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
# halt_on_error with an exit status of its own: a race fails the test
TSAN_ENV="TSAN_OPTIONS=halt_on_error=1:exitcode=66:suppressions=$repo/tests/tsan.supp"
# The CLI tests run under TSan: multi-layer flatten and build (layers load
# on one thread each, cmd/util.c), gzip and zstd outputs (sink_gzip.c
# workers, libzstd's), the plain writer thread (sink_aw.c), image layers
# from an archive. Each takes about a second under TSan.
TSAN_CLI="flatten_sample_matches_expected flatten_gzip_zstd_outputs
	flatten_reproducible flatten_whiteouts flatten_stdin build_emit_layer
	build_all_commands build_reproducible image_oci_roundtrip
	image_build_layer image_docker_archive image_reproducible"
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
CLI_TIMEOUT=${CLI_TIMEOUT:-120}

npass=0
nfail=0
nskip=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/overtar-check.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM HUP PIPE

# kernel_probe: 0 if an overlay can be mounted here as the kernel tests
# mount it; else prints why not.
kernel_probe() {
	[ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
	p=$scratch/probe
	mkdir -p "$p/l1" "$p/l2" "$p/u" "$p/w" "$p/m" || return 1
	if ! mount -t overlay overlay -o "lowerdir=$p/l1:$p/l2,upperdir=$p/u,workdir=$p/w,index=off,redirect_dir=off,metacopy=off,xino=off" \
		"$p/m" >"$scratch/probe.err" 2>&1; then
		echo "mount -t overlay failed: $(head -n 1 "$scratch/probe.err")"
		return 1
	fi
	umount "$p/m" || umount -l "$p/m"
	rm -rf "$p"
}
if why_not=$(kernel_probe); then
	OVERTAR_KERNEL=1
	echo "kernel overlay: a probe mount works here: the kernel tests must run"
else
	OVERTAR_KERNEL=0
	echo "kernel overlay: cannot mount here ($why_not): the kernel tests may skip"
fi
export OVERTAR_KERNEL

if command -v timeout >/dev/null 2>&1; then
	with_timeout() { t=$1; shift; timeout -k 5 "$t" "$@"; }
else
	with_timeout() { shift; "$@"; }
fi

# selected NAME: true if no filter is given or NAME contains one of them.
selected() {
	[ -z "$filters" ] && return 0
	for f in $filters; do
		case $1 in *"$f"*) return 0 ;; esac
	done
	return 1
}

# show FILE: the output of a failed test, indented (at most 200 lines).
show() {
	if [ -s "$1" ]; then
		n=$(wc -l <"$1")
		sed -n '1,200s/^/    /p' "$1"
		[ "$n" -le 200 ] || echo "    ... ($((n - 200)) more lines)"
	fi
}

# sum_of REGEX FILE: the sum of the first number of every line matching
# REGEX (a sed BRE whose \1 is that number).
sum_of() {
	sed -n "s/$1/\\1/p" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

# run_unit BIN LABEL SUFFIX [ENV...]
run_unit() {
	bin=$1 label=$2 suffix=$3
	shift 3
	out=$scratch/out
	# cmocka prints its summary on stderr, the rest on stdout
	(cd "$scratch" && with_timeout "$UNIT_TIMEOUT" env "$@" \
		CMOCKA_MESSAGE_OUTPUT=STDOUT "$bin") >"$out" 2>&1 </dev/null
	rc=$?
	p=$(sum_of '^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*' "$out")
	f=$(sum_of '^\[  FAILED  \] \([0-9][0-9]*\) test(s).*' "$out")
	s=$(sum_of '^\[  SKIPPED \] \([0-9][0-9]*\) test(s).*' "$out")
	why=
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		case $rc in
		124|137) why="timed out after ${UNIT_TIMEOUT}s" ;;
		*) if [ "$rc" -gt 128 ]; then why="crashed (signal $((rc - 128)))"
		   else why="exit status $rc"; fi ;;
		esac
	elif ! grep -q '^\[  PASSED  \]' "$out"; then
		f=$((f + 1))
		why="no cmocka summary"
	fi
	npass=$((npass + p))
	nfail=$((nfail + f))
	nskip=$((nskip + s))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $label$suffix: $f failed, $p passed${why:+ ($why)}"
		show "$out"
	else
		if [ "$s" -gt 0 ]; then
			echo "PASS $label$suffix: $p test(s), $s skipped"
		else
			echo "PASS $label$suffix: $p test(s)"
		fi
	fi
}

# must_run LABEL: true if a skip of the test LABEL is a failure here.
must_run() {
	case $1 in conformance/*) [ "$OVERTAR_KERNEL" = 1 ] ;; *) false ;; esac
}

# run_script TEST LABEL SUFFIX OVERTAR VARIANT [ENV...]
run_script() {
	t=$1 label=$2 suffix=$3 bin=$4 variant=$5
	shift 5
	out=$scratch/out
	if [ ! -x "$bin" ]; then
		nfail=$((nfail + 1))
		echo "FAIL $label$suffix: '$bin' not built"
		return
	fi
	# under $scratch, so that an interrupted run leaves nothing behind
	dir=$(mktemp -d "$scratch/test.XXXXXX") || exit 1
	(cd "$dir" && with_timeout "$CLI_TIMEOUT" env "$@" OVERTAR="$bin" \
		VARIANT="$variant" sh "$t") >"$out" 2>&1 </dev/null
	rc=$?
	case $rc in
	0)
		npass=$((npass + 1))
		echo "PASS $label$suffix"
		;;
	77)
		reason=$(sed -n 's/^SKIP: //p' "$out" | head -n 1)
		if must_run "$label"; then
			nfail=$((nfail + 1))
			echo "FAIL $label$suffix: skipped (${reason:-no reason given}), but an overlay mounts here"
			show "$out"
		else
			nskip=$((nskip + 1))
			echo "SKIP $label$suffix${reason:+: $reason}"
		fi
		;;
	*)
		nfail=$((nfail + 1))
		case $rc in 124|137) echo "FAIL $label$suffix (timed out after ${CLI_TIMEOUT}s)" ;;
		*) echo "FAIL $label$suffix (exit status $rc)" ;; esac
		show "$out"
		;;
	esac
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		kept=$(mktemp -d "${TMPDIR:-/tmp}/overtar-test.XXXXXX") && cp -a "$dir/." "$kept/" \
			&& echo "    (kept in $kept)"
	fi
	rm -rf "$dir"
}

# 1. unit tests
for bin in "$build"/unit/test_* "$build"/san/unit/test_* "$build"/tsan/unit/test_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case ${bin##*/} in *.*) continue ;; esac
	name=unit/${bin##*/}
	selected "$name" || continue
	case $bin in
	"$build"/san/*) run_unit "$bin" "$name" " (asan)" $SAN_ENV ;;
	"$build"/tsan/*) run_unit "$bin" "$name" " (tsan)" $TSAN_ENV ;;
	*) run_unit "$bin" "$name" "" ;;
	esac
done

# 2. CLI tests, plain then sanitized
for t in "$repo"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	name=cli/$(basename "$t" .sh)
	selected "$name" || continue
	if ! grep -q '^# run.sh: asan only$' "$t"; then
		run_script "$t" "$name" "" "$OVERTAR_PLAIN" plain
	elif [ "${NO_SAN:-0}" = 1 ]; then
		nskip=$((nskip + 1))
		echo "SKIP $name: runs with overtar-san only (NO_SAN=1)"
	fi
	[ "${NO_SAN:-0}" = 1 ] || grep -q '^# run.sh: plain only$' "$t" ||
		run_script "$t" "$name" " (asan)" "$OVERTAR_SAN" asan $SAN_ENV
	case " $(echo $TSAN_CLI) " in
	*" ${name#cli/} "*)
		[ "${NO_SAN:-0}" = 1 ] || run_script "$t" "$name" " (tsan)" \
			"$OVERTAR_TSAN" tsan $TSAN_ENV
		;;
	esac
done

# 3. kernel conformance tests
for t in "$repo"/tests/conformance/*.sh; do
	[ -f "$t" ] || continue
	name=conformance/$(basename "$t" .sh)
	selected "$name" || continue
	run_script "$t" "$name" "" "$OVERTAR_PLAIN" plain
done

echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
