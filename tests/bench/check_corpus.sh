#!/bin/bash
# check_corpus.sh OVERTAR -- `make check-corpus`: the real-image corpus
# (../shared/bench/make-corpus.sh: a Debian rootfs, a Python layer, an npm
# layer, deletions; built in BENCHDATA, default /var/tmp/overtar-bench, when
# missing: root, about 5 minutes) flattened by overtar, from its plain
# layers, its gzip layers and its docker-archive, must list entry by entry
# (canonical-list.py) as expected-flat.list, the kernel overlay's view of
# it. Exit 0 all equal; 1 a difference, or no corpus.
set -u
OT=$(realpath "${1:?usage: check_corpus.sh OVERTAR}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
BENCHDATA=${BENCHDATA:-/var/tmp/overtar-bench}
CORPUS=$BENCHDATA/corpus
W=$(mktemp -d "${TMPDIR:-/tmp}/overtar-check-corpus.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
say() { printf '%s\n' "$*" >&2; }
. "$HERE/corpus.sh"

corpus_get || { echo "FAIL: no corpus in $CORPUS"; exit 1; }
C=$CORPUS
status=0
# one WHAT INPUT...: flatten INPUTs, compare the listing
one() {
	local what=$1
	shift
	if ! "$OT" flatten -o "$W/flat.tar" "$@" 2>"$W/err"; then
		cat "$W/err"
		echo "FAIL $what: overtar flatten failed"
		status=1
		return
	fi
	python3 "$SHARED/bench/canonical-list.py" "$W/flat.tar" >"$W/flat.list" ||
		{ echo "FAIL $what: canonical-list.py failed"; status=1; return; }
	if cmp -s "$C/expected-flat.list" "$W/flat.list"; then
		echo "ok $what: $(wc -l <"$W/flat.list") entries as the kernel lists them"
	else
		echo "FAIL $what: differs from expected-flat.list (--- kernel, +++ overtar):"
		diff -u "$C/expected-flat.list" "$W/flat.list" | head -n 40
		status=1
	fi
	rm -f "$W/flat.tar" "$W/flat.list"
}
one "plain layers" "$C"/layer[1-5].tar
one "gzip layers" "$C"/layer[1-5].tar.gz
[ -s "$C/docker-archive.tar" ] && one "docker-archive" "docker-archive:$C/docker-archive.tar"
exit $status
