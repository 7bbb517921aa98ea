#!/bin/bash
# bench.sh OVERTAR -- `make bench`: overtar against its floors and peers.
#
# Each case runs RUNS times (BENCH_RUNS, default 5; the slow floors
# BENCH_SLOW_RUNS, default 3) after one untimed warm-up, the cases of a group
# taking turns so that noise falls on all of them alike. /usr/bin/time gives
# wall, CPU (user + sys) and peak RSS; the table shows the median wall, the
# median CPU, the largest RSS and the output's size (so that a change of
# compression level shows), and the targets of issue 5 are ratios of
# medians measured in this same run, each with PASS or MISS. Checks of the
# outputs (the corpus flattened lists as the kernel's overlay of it, the
# gzip and zstd outputs hold the plain one) are PASS or MISS too.
#
# It exits 1 when anything could not be measured or checked: a missing tool
# (pigz, bsdtar, /usr/bin/time: the Makefile's PKGS), a missing corpus, a
# failed warm-up or timed run, a target with no figure (SKIP): each counts as
# a MISS, and any MISS is exit 1.
#
# Inputs, cached in BENCHDATA (default /var/tmp/overtar-bench):
#   corpus/   the real-image corpus of ../shared/bench/make-corpus.sh, built
#             here when missing (root only, about 5 minutes, under the lock
#             BENCHDATA.lock); without it the corpus cases are skipped.
#   gen-N-CK/ a generated stack of N entries (BENCH_GEN_ENTRIES, default
#             1,000,000) in 4 plain layers with the shapes of gen_stack.py
#             (a 100,000-entry directory, 5 % whiteouts, opaque trees, deep
#             paths, hard-link groups); CK is the generator's checksum, so
#             that stacks of different generators never replace each other.
#   gen-10000000-CK/  the same shapes, 10,000,000 entries of at most 100
#             bytes (about 10 GB; 20 minutes to generate), flattened once to
#             /dev/null for its peak RSS. BENCH_GEN_10M=0 skips it.
# Outputs are written in a tmpfs (BENCH_TMP, default /dev/shm), so that the
# disk slows neither overtar nor its peers; the kernel-overlay peer (root
# only) extracts and mounts there too.
set -u

OT=$(realpath "${1:?usage: bench.sh OVERTAR}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
BENCHDATA=${BENCHDATA:-/var/tmp/overtar-bench}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
GEN_ENTRIES=${BENCH_GEN_ENTRIES:-1000000}
GEN_10M=${BENCH_GEN_10M:-1}
CORPUS=$BENCHDATA/corpus
GEN_CK=$(cksum <"$HERE/gen_stack.py" | cut -d' ' -f1)
GEN=$BENCHDATA/gen-$GEN_ENTRIES-$GEN_CK
GEN10=$BENCHDATA/gen-10000000-$GEN_CK
W=$(mktemp -d "${BENCH_TMP:-/dev/shm}/overtar-bench.XXXXXX") || exit 1
RES=$W/results.tsv	# case, run, wall, cpu, rss KiB, output bytes
CHECKS=$W/checks.tsv	# label, PASS|MISS|SKIP, detail
MNT=

cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
# check LABEL RESULT [DETAIL]: a line of the checks table
check() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$CHECKS"; }
is_root() { [ "$(id -u)" = 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- inputs ------------------------------------------------------------------

# corpus_ok, corpus_get: tests/bench/corpus.sh
. "$HERE/corpus.sh"

# gen_get DIR ENTRIES [GEN_STACK OPTIONS]: the stack in DIR, made unless
# its stamp says it is there.
gen_get() {
	local dir=$1 n=$2 stamp
	shift 2
	stamp="entries=$n layers=4 seed=1 $* $GEN_CK"
	if [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ]; then
		say "bench: generating a $n-entry stack in $dir"
		rm -rf "$dir"
		python3 "$HERE/gen_stack.py" --entries "$n" --layers 4 \
			--seed 1 "$@" "$dir" || return 1
		echo "$stamp" >"$dir/stamp"
	fi
}

# --- measuring ---------------------------------------------------------------

declare -A CMD PREP
ORDER=()

declare -A OUT
# def NAME COMMAND [PREP [OUTPUT]]: a case, run by bash -c; PREP runs
# untimed before each run (cleaning up after the last one); OUTPUT is the
# file whose size is recorded.
def() {
	CMD[$1]=$2
	PREP[$1]=${3:-}
	OUT[$1]=${4:-}
	ORDER+=("$1")
}

run_once() {	# run_once NAME RUN
	local t=$W/time.out
	[ -n "${PREP[$1]}" ] && bash -c "${PREP[$1]}" >/dev/null 2>&1
	if ! /usr/bin/time -f '%e %U %S %M' -o "$t" bash -c "${CMD[$1]}" \
		>/dev/null 2>"$W/err.out"; then
		say "bench: '$1' failed:"
		tail -3 "$W/err.out" >&2
		echo "$1	$2	nan	nan	nan	nan" >>"$RES"
		return 1
	fi
	local size=nan
	[ -n "${OUT[$1]}" ] && [ -f "${OUT[$1]}" ] && size=$(stat -c %s "${OUT[$1]}")
	awk -v n="$1" -v r="$2" -v z="$size" \
		'{ printf "%s\t%s\t%s\t%.2f\t%s\t%s\n", n, r, $1, $2 + $3, $4, z }' \
		"$t" >>"$RES"
}

# group RUNS NAME...: a warm-up of each, then RUNS rounds of all in turn.
group() {
	local runs=$1 i name
	shift
	for name; do
		say "bench: $name"
		# a failed warm-up is recorded (a MISS in the report); the
		# group's other cases still run
		run_once "$name" 0
	done
	for ((i = 1; i <= runs; i++)); do
		for name; do
			run_once "$name" "$i"
		done
	done
}

# --- the cases -----------------------------------------------------------------

bench_corpus() {
	local C=$CORPUS L5 L5GZ
	L5="$C/layer1.tar $C/layer2.tar $C/layer3.tar $C/layer4.tar $C/layer5.tar"
	L5GZ="$C/layer1.tar.gz $C/layer2.tar.gz $C/layer3.tar.gz $C/layer4.tar.gz $C/layer5.tar.gz"
	python3 "$HERE/gen_edits.py" --edits 1000 "$C/expected-flat.list" \
		>"$W/edits.ots" || return 1

	def "overtar gz>gz" "'$OT' flatten -o '$W/o.tar.gz' $L5GZ" "rm -f '$W/o.tar.gz'" \
		"$W/o.tar.gz"
	def "pigz -6 flat" "pigz -6 -c '$C/expected-flat.tar' >'$W/p.gz'" "rm -f '$W/p.gz'" \
		"$W/p.gz"
	def "zcat layers" "cat $L5GZ | gzip -dc >/dev/null"
	def "gzip -6 flat" "gzip -6 -c '$C/expected-flat.tar' >'$W/g.gz'" "rm -f '$W/g.gz'" \
		"$W/g.gz"
	def "overtar gz>zstd" "'$OT' flatten -z zstd -o '$W/o.tar.zst' $L5GZ" \
		"rm -f '$W/o.tar.zst'" "$W/o.tar.zst"
	# the image in, the image out: every blob's digest verified and made
	def "overtar oci>oci" "'$OT' flatten -o 'oci:$W/oci' 'oci:$C/oci'" \
		"rm -rf '$W/oci'"
	def "overtar tar>tar" "'$OT' flatten -o '$W/o.tar' $L5" "rm -f '$W/o.tar'" "$W/o.tar"
	def "overtar build 1000" "'$OT' build -f '$W/edits.ots' -o '$W/b.tar' $L5" \
		"rm -f '$W/b.tar'" "$W/b.tar"
	def "cat layers" "cat $L5 >/dev/null"
	group "$RUNS" "overtar gz>gz" "pigz -6 flat" "zcat layers" "overtar gz>zstd"
	[ -d "$C/oci" ] && group "$RUNS" "overtar gz>gz" "overtar oci>oci"
	group "$SLOW_RUNS" "gzip -6 flat"
	if kov_ok; then
		kov_script "$C"
		def "kernel overlay" "bash '$W/kov.sh' run" "bash '$W/kov.sh' clean"
		group "$RUNS" "overtar tar>tar" "overtar build 1000" "kernel overlay" "cat layers"
		bash "$W/kov.sh" clean
	else
		say "bench: SKIP kernel overlay peer: needs root, overlayfs, GNU tar" \
			"and $SHARED/bench/lib/oci2ovl.py"
		group "$RUNS" "overtar tar>tar" "overtar build 1000" "cat layers"
	fi
	# the outputs are right: the plain one lists as the kernel's overlay
	# of the corpus (expected-flat.list), the gzip and zstd ones hold it
	if [ ! -f "$W/o.tar" ]; then
		check "corpus flatten lists as expected-flat.list" MISS "no output"
	elif python3 "$SHARED/bench/canonical-list.py" "$W/o.tar" >"$W/o.list" &&
		cmp -s "$W/o.list" "$C/expected-flat.list"; then
		check "corpus flatten lists as expected-flat.list" PASS
	else
		check "corpus flatten lists as expected-flat.list" MISS \
			"$(diff "$C/expected-flat.list" "$W/o.list" | grep -c '^[<>]') lines differ"
	fi
	if gzip -dc "$W/o.tar.gz" 2>/dev/null | cmp -s - "$W/o.tar"; then
		check "corpus gzip output holds the plain output" PASS
	else
		check "corpus gzip output holds the plain output" MISS
	fi
	if have zstd && zstd -dc "$W/o.tar.zst" 2>/dev/null | cmp -s - "$W/o.tar"; then
		check "corpus zstd output holds the plain output" PASS
	else
		check "corpus zstd output holds the plain output" MISS
	fi
	rm -rf "$W"/o.tar* "$W"/b.tar "$W"/p.gz "$W"/g.gz "$W/oci"
}

kov_ok() {
	is_root && have mount && have tar && [ -f "$SHARED/bench/lib/oci2ovl.py" ] &&
		{ grep -qw overlay /proc/filesystems || modprobe overlay; } 2>/dev/null
}

# The kernel-overlay pipeline: each layer extracted by GNU tar, OCI
# whiteouts turned into overlay ones, an overlay mount, tar -c of it.
kov_script() {
	local C=$1 K=$W/kov
	MNT=$K/mnt
	cat >"$W/kov.sh" <<EOF
set -e
K='$K'
case \$1 in
clean)
	umount "\$K/mnt" 2>/dev/null || true
	rm -rf "\$K" '$W/kov.tar'
	;;
run)
	mkdir -p "\$K/mnt"
	for n in 1 2 3 4 5; do
		mkdir "\$K/l\$n"
		tar -C "\$K/l\$n" -xf '$C/layer'\$n.tar --numeric-owner -p \\
			--xattrs --xattrs-include='*'
		python3 '$SHARED/bench/lib/oci2ovl.py' "\$K/l\$n" 2>/dev/null
	done
	mount -t overlay overlay \\
		-o "ro,lowerdir=\$K/l5:\$K/l4:\$K/l3:\$K/l2:\$K/l1" "\$K/mnt"
	tar -C "\$K/mnt" --format=pax --pax-option=delete=atime,delete=ctime \\
		--sort=name --numeric-owner --xattrs --xattrs-include='*' \\
		-cf '$W/kov.tar' .
	umount "\$K/mnt"
	;;
esac
EOF
}

bench_gen() {
	local G=$GEN L4 AT
	L4="$G/layer1.tar $G/layer2.tar $G/layer3.tar $G/layer4.tar"
	AT="@$G/layer1.tar @$G/layer2.tar @$G/layer3.tar @$G/layer4.tar"
	def "overtar 1M tar>tar" "'$OT' flatten -o '$W/g.tar' $L4" "rm -f '$W/g.tar'" "$W/g.tar"
	def "bsdtar 1M @layers" "bsdtar -cf '$W/b.tar' $AT" "rm -f '$W/b.tar'" "$W/b.tar"
	def "overtar 1M >/dev/null" "'$OT' flatten -o /dev/null $L4"
	def "bsdtar 1M >/dev/null" "bsdtar -cf /dev/null $AT"
	group "$RUNS" "overtar 1M tar>tar" "bsdtar 1M @layers" \
		"overtar 1M >/dev/null" "bsdtar 1M >/dev/null"
	rm -f "$W/g.tar" "$W/b.tar"
}

# The memory model at scale: one run for the peak RSS (output to
# /dev/null: the tar would be 6 GB).
bench_gen10() {
	local G=$GEN10
	def "overtar 10M >/dev/null" "'$OT' flatten -o /dev/null $G/layer1.tar \
$G/layer2.tar $G/layer3.tar $G/layer4.tar"
	group 1 "overtar 10M >/dev/null"
}

# --- main ----------------------------------------------------------------------

: >"$RES"
: >"$CHECKS"
missing=
for t in /usr/bin/time python3 gzip pigz bsdtar zstd; do
	have "$t" || { missing="$missing $t"; check "tool $t" MISS "missing (make deps)"; }
done
case $missing in *time*|*python3*|*gzip*)
	say "bench: cannot measure without$missing"
	python3 "$HERE/report.py" "$RES" "$CHECKS" "$RUNS" "$SLOW_RUNS"
	exit 1 ;;
esac
say "bench: $OT, $RUNS runs ($SLOW_RUNS for slow floors), $(nproc) CPUs, work dir $W"
if ! corpus_get; then
	check "corpus" MISS "not there and not built (see above)"
elif have pigz; then
	bench_corpus || check "corpus cases" MISS "could not be set up"
fi
if have bsdtar; then
	if gen_get "$GEN" "$GEN_ENTRIES"; then
		bench_gen
	else
		check "generated stack" MISS "gen_stack.py failed"
	fi
	if [ "$GEN_10M" = 0 ]; then
		say "bench: SKIP 10M-entry stack: BENCH_GEN_10M=0"
	elif gen_get "$GEN10" 10000000 --max-size 100; then
		bench_gen10
	else
		check "10M-entry stack" MISS "gen_stack.py failed"
	fi
fi
python3 "$HERE/report.py" "$RES" "$CHECKS" "$RUNS" "$SLOW_RUNS"
