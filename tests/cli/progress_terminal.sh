# progress_terminal.sh -- progress on a terminal: when stderr is one (a
# pseudo-terminal made by script(1)), flatten shows the phase, bytes and
# entries on stderr, each redraw "\r...\033[K", and erases the line at the
# end; nothing of it reaches stdout or the output file. Without a terminal
# nothing shows unless --progress; -q shows nothing; -v ends with the
# summary of entries and bytes in and out, time per phase, peak memory.
. "$TESTS/cli/lib/common.sh"

command -v script >/dev/null 2>&1 || skip "no script(1) to make a pseudo-terminal"
python3 -c '
import io, tarfile
with tarfile.open("big.tar", "w") as t:
    for i in range(3000):
        ti = tarfile.TarInfo("d/f%04d" % i); ti.size = 100
        t.addfile(ti, io.BytesIO(b"x" * 100))
' || fail "big.tar"

esc=$(printf '\033')
cr=$(printf '\r')

# on a terminal: the typescript holds what the terminal got (stderr only:
# the tar goes to a file)
script -qc "$OVERTAR flatten -o out.tar big.tar" /dev/null </dev/null >tty.out ||
	fail "flatten under script failed"
"$OVERTAR" flatten -o ref.tar big.tar 2>err || fail "flatten"
[ ! -s err ] || fail "stderr not a terminal: progress shown: $(cat -v err)"
cmp -s out.tar ref.tar || fail "the output differs under a terminal"
grep -q "overtar: reading layer 1/1  " tty.out || fail "no reading line: $(cat -v tty.out)"
grep -q "overtar: writing  " tty.out || fail "no writing line: $(cat -v tty.out)"
grep -q " entries" tty.out || fail "no entry count: $(cat -v tty.out)"
# every line is redrawn in place and the last thing is the erase
tr -d '\n' <tty.out | sed "s/$cr$esc\[K\$/END/" | grep -q 'END$' ||
	fail "the line is not erased at the end: $(tail -c 80 tty.out | cat -v)"
# with -v the summary follows the erased line
script -qc "$OVERTAR flatten -v -o out.tar big.tar" /dev/null </dev/null |
	tr -d '\r' >v.out
grep -Eq "${esc}\\[Kovertar: read 1 layers: 3000 entries, [0-9]+ bytes; wrote 3001 entries, 300000 bytes\$" v.out ||
	fail "-v summary: $(cat -v v.out | tail -n 2)"
grep -Eq '^overtar: time: reading layers [0-9.]+ s, writing [0-9.]+ s, total [0-9.]+ s; peak memory [0-9.]+ MiB$' v.out ||
	fail "-v times: $(tail -n 1 v.out)"
# -q: nothing at all
script -qc "$OVERTAR flatten -q -o out.tar big.tar" /dev/null </dev/null >q.out
[ ! -s q.out ] || fail "-q on a terminal showed: $(cat -v q.out)"
# stdout a pipe, stderr the terminal: the tar stays clean
script -qc "$OVERTAR flatten big.tar | cat >pipe.tar" /dev/null </dev/null >/dev/null
cmp -s pipe.tar ref.tar || fail "the tar on stdout differs under a terminal"

# --progress without a terminal: on stderr all the same, erased at the end
"$OVERTAR" flatten --progress -o out.tar big.tar 2>err || fail "--progress"
grep -q "overtar: reading layer 1/1" err || fail "--progress: $(cat -v err)"
[ "$(tail -c 4 err | od -An -c | tr -d ' ')" = "\\r033[K" ] ||
	fail "--progress: not erased at the end: $(tail -c 20 err | od -c)"
# -v without a terminal: what the input was taken for, and the summary
"$OVERTAR" flatten -v -o out.tar big.tar 2>err || fail "-v"
[ "$(wc -l <err)" -eq 3 ] && grep -qx "overtar: 'big.tar': read as a layer" err &&
	grep -q "^overtar: read 1 layers: 3000 entries" err ||
	fail "-v without a terminal: $(cat -v err)"
exit 0
