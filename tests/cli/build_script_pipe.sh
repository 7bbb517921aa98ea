# build_script_pipe.sh -- a script given as a pipe, not a regular file:
# `-f <(echo mkdir /x)` (bash process substitution, /dev/fd/N), a pipe on
# standard input (-f /dev/stdin), and a fifo, each of more than a pipe's
# 64 KiB buffer. The script is read until its end, so each works as a file
# does (it used to be refused as "File too large"); a script larger than
# the 64 MiB limit is still refused, and a directory too.
. "$TESTS/cli/lib/common.sh"

L1=$SAMPLE/layer1.tar

# has_x TAR: the output holds the directory x and the file big.
has_x() {
	tar tf "$1" >list || fail "$1: not a tar"
	grep -qx 'x/' list || fail "$1: no x/ in the output"
	grep -qx 'x/big' list || fail "$1: no x/big in the output"
}

# a script of more than 64 KiB: one command, then comment lines
{
	echo 'mkdir /x'
	echo 'write /x/big big'
	i=0
	while [ $i -lt 2000 ]; do
		echo "# padding line $i of a script longer than a pipe buffer"
		i=$((i + 1))
	done
} >big.ots
[ "$(wc -c <big.ots)" -gt 65536 ] || fail "big.ots is too small"

# standard input as a pipe
cat big.ots | "$OVERTAR" build -f /dev/stdin -o a.tar "$L1" >out 2>err ||
	{ cat err; fail "build -f /dev/stdin from a pipe failed"; }
[ ! -s err ] || { cat err; fail "build -f /dev/stdin: stderr not empty"; }
has_x a.tar

# a fifo (the writer is killed if overtar never opens it)
mkfifo s.fifo || fail "cannot make a fifo"
cat big.ots >s.fifo &
writer=$!
run_ok "build -f FIFO" "$OVERTAR" build -f s.fifo -o b.tar "$L1"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
has_x b.tar

# bash process substitution, as a user types it
if command -v bash >/dev/null 2>&1; then
	OVERTAR=$OVERTAR L1=$L1 bash -c \
		'"$OVERTAR" build -f <(cat big.ots) -o c.tar "$L1"' >out 2>err ||
		{ cat err; fail "build -f <(...) failed"; }
	[ ! -s err ] || { cat err; fail "build -f <(...): stderr not empty"; }
	has_x c.tar
	# the brief's own example: one line from echo
	OVERTAR=$OVERTAR L1=$L1 bash -c \
		'"$OVERTAR" build -f <(echo mkdir /x) -o d.tar "$L1"' >out 2>err ||
		{ cat err; fail "build -f <(echo mkdir /x) failed"; }
	tar tf d.tar | grep -qx 'x/' || fail "d.tar: no x/"
fi

# more than 64 MiB through a pipe: refused, nothing written
head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' |
	"$OVERTAR" build -f /dev/stdin -o e.tar "$L1" >out 2>err
rc=$?
[ "$rc" -eq 1 ] || { cat err; fail "a 64 MiB + 1 script: exit $rc, expected 1"; }
grep -qx "overtar: script '/dev/stdin': cannot read script: File too large" err ||
	{ cat err; fail "a 64 MiB + 1 script: wrong message"; }
[ ! -e e.tar ] || fail "a refused script left e.tar"

# a directory
mkdir dir.ots
"$OVERTAR" build -f dir.ots -o f.tar "$L1" >out 2>err
rc=$?
[ "$rc" -eq 1 ] || { cat err; fail "a directory script: exit $rc, expected 1"; }
grep -qx "overtar: script 'dir.ots': cannot read script: Is a directory" err ||
	{ cat err; fail "a directory script: wrong message"; }
exit 0
