# dir_input.sh -- dir:PATH as an input: a host directory tree read as a
# layer as lstat(2) sees it: modes, owners, times, xattrs, devices and
# fifos, hard links (one file, two names), symlinks kept as symlinks and
# never followed (one pointing out of the tree, one to a directory with
# content); the root itself may be a symlink. It stacks like any layer:
# flatten base.tar dir:./overlay, build ... dir:./rootfs.
. "$TESTS/cli/lib/common.sh"

mkdir -p host/etc host/usr/bin outside/secret || fail "mkdir"
printf 'hello\n' >host/etc/motd
ln host/etc/motd host/etc/motd2
ln -s ../etc/motd host/usr/bin/rel
ln -s "$PWD/outside" host/usr/out
printf 'no\n' >outside/secret/file
chmod 0750 host/usr
touch -d @1700000000 host/etc/motd
mkfifo host/fifo || fail "mkfifo"
root=false
if [ "$(id -u)" = 0 ] && mknod host/null c 1 3 2>/dev/null; then
	root=true
	chown 1234:5678 host/usr
fi
xattr=false
if command -v setfattr >/dev/null && setfattr -n user.k -v v host/etc/motd 2>/dev/null; then
	xattr=true
fi
ln -s host hostlink

run_ok "ls -l -R dir:host" "$OVERTAR" ls -l -R dir:host -- /
tr -s ' ' <run.out >ls.out
grep -q '^-rw-r--r-- 2 0 0 6 2023-11-14 22:13 motd$' ls.out || fail "motd: $(grep motd ls.out)"
grep -q '^-rw-r--r-- 2 0 0 6 .* motd2$' ls.out || fail "motd2: a second name of the file"
grep -q '^prw-r--r-- 1 0 0 0 .* fifo$' ls.out || fail "fifo: $(grep fifo ls.out)"
grep -q '^lrwxrwxrwx 1 0 0 11 .* rel -> ../etc/motd$' ls.out || fail "rel: $(grep rel ls.out)"
grep -q "^lrwxrwxrwx 1 0 0 [0-9]* .* out -> $PWD/outside\$" ls.out || fail "out: $(grep out ls.out)"
grep -q secret ls.out && fail "a symlink was followed: $(cat ls.out)"
if $root; then
	grep -q '^crw-r--r-- 1 0 0 1, 3 .* null$' ls.out || fail "null: $(grep null ls.out)"
	grep -q '^drwxr-x--- 3 1234 5678 0 .* usr$' ls.out || fail "usr: $(grep usr ls.out)"
else
	note "not root: no device node or owner checked"
fi
if $xattr; then
	run_ok "stat dir:host" "$OVERTAR" stat dir:host -- /etc/motd
	grep -q 'user.k="v"' run.out || fail "xattr: $(cat run.out)"
fi
# the flattened tree keeps the hard link
run_ok "flatten dir:host" "$OVERTAR" flatten -o h.tar dir:host
tar tvf h.tar | grep -q '^h.* etc/motd2 link to etc/motd$' || fail "no hard link in $(tar tvf h.tar)"
# a symlink to the tree reads the tree
run_ok "ls dir:hostlink" "$OVERTAR" ls dir:hostlink -- /etc
[ "$(cat run.out)" = "$(printf 'motd\nmotd2')" ] || fail "dir:hostlink: $(cat run.out)"

# stacked on a layer, as an overlay: its file wins, its .wh. removes
mkdir -p ov/etc && printf 'over\n' >ov/etc/motd && : >ov/etc/.wh.motd2
run_ok "flatten host.tar dir:ov" "$OVERTAR" flatten -o st.tar h.tar dir:ov
run_ok "cat" "$OVERTAR" cat st.tar -- /etc/motd
[ "$(cat run.out)" = over ] || fail "dir:ov's motd does not win: $(cat run.out)"
run_ok "ls" "$OVERTAR" ls st.tar -- /etc
[ "$(cat run.out)" = motd ] || fail "dir:ov's .wh.motd2: $(cat run.out)"
run_ok "build dir:" "$OVERTAR" build -e 'rm /etc/motd2' -o b.tar dir:host
tar tf b.tar | grep -q 'etc/motd2' && fail "build on dir:host: motd2 still there"

"$OVERTAR" ls dir:nonexistent -- / >out 2>err
[ $? -eq 1 ] && grep -q "^overtar: layer 'dir:nonexistent': " err || fail "missing dir: $(cat err)"
exit 0
