# build_script_limits.sh -- what a script makes is bounded as a layer is
# (issue 14, points 10 and 11): --max-entries counts the new layer's
# entries, --max-added the content set (truncate's holes included, refused
# before anything changes), copy-in counts against --max-spool before a
# byte is copied and keeps a sparse file's holes; copy-in of a device, a
# fifo, a socket or a /proc file is refused, naming it.
. "$TESTS/cli/lib/common.sh"

tar cf empty.tar -T /dev/null
# expect_fail WHAT MESSAGE: the last build failed with exit 1, MESSAGE
# alone on stderr, and no output left
expect_fail() {
	[ "$rc" = 1 ] || fail "$1: exit $rc, expected 1: $(head -c 300 err)"
	[ "$(cat err)" = "$2" ] || fail "$1: stderr: $(head -c 300 err)"
	[ ! -e out.tar ] || fail "$1: output left behind"
}

# doubling the tree 18 times: 2^18 entries, stopped at the limit
{
	echo "mkdir /t"
	echo "write /t/f 0123456789"
	i=0
	while [ $i -lt 18 ]; do echo "cp -a /t /u"; echo "mv /u /t/d$i"; i=$((i + 1)); done
} >double.ots
"$OVERTAR" build --max-entries 1000 -f double.ots -o out.tar empty.tar 2>err; rc=$?
expect_fail "doubling" "double.ots:19: cp: /u: more than 1000 entries (--max-entries)"

# content: written and copied bytes count, and truncate's holes
"$OVERTAR" build --max-added 100 -e 'write /a 0123456789' \
	-e 'cp /a /b' -o out.tar empty.tar 2>err || fail "100 bytes: $(cat err)"
rm -f out.tar
printf 'write /a %0100d\n' 0 >big.ots
"$OVERTAR" build --max-added 100 -f big.ots -e 'cp /a /b' -o out.tar empty.tar 2>err; rc=$?
expect_fail "cp past --max-added" "-e:1: cp: /b: more than 100 bytes of content added (--max-added)"
"$OVERTAR" build -e 'write /f x' -e 'truncate -s 2T /f' -o out.tar empty.tar 2>err; rc=$?
expect_fail "truncate -s 2T" "-e:1: truncate: /f: more than 68719476736 bytes of content added (--max-added)"

# copy-in: the spool budget first, then sparse content stays sparse
head -c 2097152 /dev/zero | tr '\0' x >big.bin
"$OVERTAR" build --max-spool 1M -e 'copy-in big.bin /big' -o out.tar empty.tar 2>err; rc=$?
expect_fail "copy-in past --max-spool" "-e:1: copy-in: ./big.bin: 2097152 bytes, beyond the spool limit of 1048576 (--max-spool)"
rm -f sparse.bin
printf 'end' | dd of=sparse.bin bs=1 seek=67108864 conv=notrunc 2>/dev/null ||
	fail "cannot make a sparse file"
[ "$(du -k sparse.bin | cut -f1)" -lt 1024 ] || skip "this filesystem keeps no holes"
"$OVERTAR" build -e 'copy-in sparse.bin /s' -o dir:o empty.tar 2>err ||
	fail "copy-in sparse: $(cat err)"
cmp sparse.bin o/s || fail "copy-in sparse: content differs"
[ "$(du -k o/s | cut -f1)" -lt 1024 ] || fail "copy-in sparse: holes written out ($(du -k o/s))"

# copy-in of what has no content to copy
mkfifo fifo
"$OVERTAR" build -e 'copy-in fifo /f' -o out.tar empty.tar 2>err; rc=$?
expect_fail "copy-in fifo" "-e:1: copy-in: ./fifo: not a regular file, directory or symlink (a fifo): not copied"
"$OVERTAR" build -e 'copy-in /dev/null /n' -o out.tar empty.tar 2>err; rc=$?
expect_fail "copy-in device" "-e:1: copy-in: /dev/null: not a regular file, directory or symlink (a character device): not copied"
if [ -r /proc/self/status ]; then
	"$OVERTAR" build -e 'copy-in /proc/self/status /s' -o out.tar empty.tar 2>err; rc=$?
	expect_fail "copy-in /proc" "-e:1: copy-in: /proc/self/status: reports 0 bytes but has content (a /proc or /sys file?): not copied"
fi
exit 0
