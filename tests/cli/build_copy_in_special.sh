# build_copy_in_special.sh -- copy-in of special files and where host paths
# are found. A host fifo, socket or (as root, who can make them) device is
# refused, named alone or inside a directory, with one line naming it and
# exit 1, and nothing is written (issue 14: never copied as an empty file).
# A host path is relative to the script's directory, not the current one,
# when the script is elsewhere; -e's host paths are relative to the current
# directory.
. "$TESTS/cli/lib/common.sh"

mkdir -p sd/in other
mkfifo -m 0640 sd/in/fifo
echo hi >sd/in/f
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' sd/in/sock ||
	fail "cannot make a socket"
root=0
if [ "$(id -u)" = 0 ]; then
	mknod -m 0620 sd/in/null c 1 3 && mknod -m 0600 sd/in/loop b 7 0 || fail "mknod failed"
	root=1
fi
echo cwd >other/f
# refused, each kind, alone and inside a directory
refused() {	# WHAT HOSTPATH KIND
	rm -f refused.tar
	"$OVERTAR" build -e "copy-in $2 /x" -o refused.tar "$SAMPLE/layer1.tar" >out 2>err
	rc=$?
	[ $rc -eq 1 ] || { cat err; fail "copy-in of $1: exit status $rc, expected 1"; }
	[ "$(cat err)" = "-e:1: copy-in: ./$3: not a regular file, directory or symlink ($4): not copied" ] \
		|| fail "copy-in of $1: $(cat err)"
	[ ! -s out ] && [ ! -e refused.tar ] || fail "copy-in of $1: output written"
}
refused "a fifo" sd/in/fifo sd/in/fifo "a fifo"
refused "a socket" sd/in/sock sd/in/sock "a socket"
refused "a directory holding a fifo" sd/in sd/in/fifo "a fifo"
if [ $root = 1 ]; then
	refused "a character device" sd/in/null sd/in/null "a character device"
	refused "a block device" sd/in/loop sd/in/loop "a block device"
fi

mkdir -p sd/ok
echo hi >sd/ok/f
printf 'copy-in ok /in\ncopy-in ok/f /f2\n' >sd/s.ots
(cd other && run_ok "build -f ../sd/s.ots" "$OVERTAR" build -f ../sd/s.ots -o ../out.tar \
	"$SAMPLE/layer1.tar") || exit 1
run_ok "build -e from the current directory" "$OVERTAR" build -e 'copy-in other/f /g' \
	-o cwd.tar "$SAMPLE/layer1.tar"

# entries TAR: "name type mode size uid:gid" of the copied entries
entries() {
	python3 - "$1" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    for ti in tf:
        n = ti.name.rstrip("/")
        if n in ("in", "f2", "g") or n.startswith("in/"):
            t = {b"0": "f", b"5": "d"}.get(ti.type, "?")
            print(n, t, "%04o" % ti.mode, ti.size, "%d:%d" % (ti.uid, ti.gid))
PY
}
entries out.tar >got || fail "cannot list out.tar"
printf 'f2 f 0644 3 0:0\nin d 0755 0 0:0\nin/f f 0644 3 0:0\n' >want
sort got >got.sorted
same_listing want got.sorted "copy-in from the script's directory"
tar xOf out.tar f2 | cmp -s - sd/ok/f || fail "f2 is not sd/ok/f (the script's directory)"
entries cwd.tar >got-cwd
[ "$(cat got-cwd)" = "g f 0644 4 0:0" ] || { cat got-cwd; fail "-e: /g"; }
tar xOf cwd.tar g | cmp -s - other/f || fail "-e: g is not other/f (the current directory)"
[ $root = 1 ] || note "not root: devices not made, not checked"
