# inspect_terminal_pipe.sh -- overtar inspect on a terminal shows sizes in
# dive's units (go-humanize: 1.2 MB, 6.4 kB), exact counts with --bytes and
# whenever stdout is not a terminal; a reader that closes the pipe early
# (| head) ends it quietly with exit status 0, as for ls. The terminal is a
# pseudo-terminal made by script(1).
. "$TESTS/cli/lib/common.sh"

command -v script >/dev/null 2>&1 || skip "no script(1) to make a pseudo-terminal"
xz -dc "$TESTDATA/dive/test-docker-image.tar.xz" >dive.tar || fail "xz -dc"

script -qc "$OVERTAR inspect docker-archive:dive.tar" /dev/null </dev/null |
	tr -d '\r' >tty.out
grep -q '^    1  23bc2b70b201    415         0        0      6  1.2 MB     0 B  ' tty.out ||
	fail "no human sizes on a terminal: $(sed -n 2p tty.out)"
grep -qx 'bytes: 1.2 MB' tty.out || fail "bytes line on a terminal: $(grep '^bytes' tty.out)"
script -qc "$OVERTAR inspect --bytes docker-archive:dive.tar" /dev/null </dev/null |
	tr -d '\r' >bytes.out
grep -qx 'bytes: 1220598' bytes.out || fail "--bytes on a terminal: $(grep '^bytes' bytes.out)"
run_ok "inspect to a file" "$OVERTAR" inspect docker-archive:dive.tar
grep -qx 'bytes: 1220598' run.out || fail "not exact into a file: $(grep '^bytes' run.out)"

# | head: quiet, status 0 (the shell's pipeline status is head's; the
# writer's comes through a file). 20,000 entries: far more than a pipe holds
python3 -c '
import io, tarfile
with tarfile.open("big.tar", "w") as t:
    for i in range(20000):
        ti = tarfile.TarInfo("d/file-with-a-long-name-%05d" % i)
        t.addfile(ti, io.BytesIO(b""))
' || fail "big.tar"
for cmd in "inspect --layer 1" "ls -R -l"; do
	# shellcheck disable=SC2086
	{ "$OVERTAR" $cmd big.tar 2>err; echo $? >rc; } | head -n 1 >/dev/null
	[ "$(cat rc)" -eq 0 ] || fail "$cmd | head: exit status $(cat rc): $(cat err)"
	[ ! -s err ] || fail "$cmd | head: said something: $(cat err)"
done
exit 0
