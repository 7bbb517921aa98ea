# flatten_stdout_matches_file.sh -- without -o the tar goes to standard
# output (here a file and a pipe), byte-identical to -o, nothing on stderr,
# for every compression; -o over an existing file replaces it whole and
# leaves no temporary file beside it.
. "$TESTS/cli/lib/common.sh"

for z in none gzip zstd; do
	run_ok "flatten -z $z -o" flatten_sample -z $z -o file.$z
	flatten_sample -z $z >stdout.$z 2>err || { cat err; fail "-z $z to stdout failed"; }
	[ ! -s err ] || { cat err; fail "-z $z to stdout: output on stderr"; }
	cmp file.$z stdout.$z || fail "-z $z: stdout differs from -o"
	flatten_sample -z $z 2>err | cat >pipe.$z || fail "-z $z to a pipe failed"
	cmp file.$z pipe.$z || fail "-z $z: a pipe gets other bytes than -o"
done

# -o over an existing (bigger) file: replaced whole, no leftovers.
mkdir out
head -c 300000 /dev/zero >out/existing.tar
run_ok "flatten -o existing" flatten_sample -o out/existing.tar
cmp file.none out/existing.tar || fail "-o over an existing file: content differs"
[ "$(ls -A out)" = existing.tar ] || fail "-o: left beside the output: $(ls -A out)"

# -o into a directory that does not exist: an error naming the output.
flatten_sample -o nodir/out.tar >/dev/null 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "-o nodir/out.tar: exit status $rc, expected 1"
[ "$(wc -l <err)" -eq 1 ] || { cat err; fail "-o nodir/out.tar: expected one line on stderr"; }
grep -q '^overtar: .*nodir/out.tar' err || { cat err; fail "-o nodir/out.tar: the message does not name the output"; }
