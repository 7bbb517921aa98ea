# build_copy_in_special.sh -- copy-in of special files and where host paths
# are found. A fifo and (as root, who can make them) character and block
# devices are made again in the image with their modes and numbers; a
# socket is skipped, inside a directory or named alone (overtar-script(5)).
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
printf 'copy-in in /in\ncopy-in in/fifo /fifo2\ncopy-in in/sock /sock2\ncopy-in in/f /f2\n' >sd/s.ots
(cd other && run_ok "build -f ../sd/s.ots" "$OVERTAR" build -f ../sd/s.ots -o ../out.tar \
	"$SAMPLE/layer1.tar") || exit 1
run_ok "build -e from the current directory" "$OVERTAR" build -e 'copy-in other/f /g' \
	-o cwd.tar "$SAMPLE/layer1.tar"

# entries TAR: "name type mode major,minor size" of the copied entries
entries() {
	python3 - "$1" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    for ti in tf:
        n = ti.name.rstrip("/")
        if n in ("in", "fifo2", "sock2", "f2", "g") or n.startswith("in/"):
            t = {b"0": "f", b"5": "d", b"6": "p", b"3": "c", b"4": "b"}.get(ti.type, "?")
            dev = "%d,%d" % (ti.devmajor, ti.devminor) if t in "cb" else "-"
            print(n, t, "%04o" % ti.mode, dev, ti.size, "%d:%d" % (ti.uid, ti.gid))
PY
}
entries out.tar >got || fail "cannot list out.tar"
{
	echo "f2 f 0644 - 3 0:0"
	echo "fifo2 p 0640 - 0 0:0"
	echo "in d 0755 - 0 0:0"
	echo "in/f f 0644 - 3 0:0"
	echo "in/fifo p 0640 - 0 0:0"
	[ $root = 1 ] && echo "in/loop b 0600 7,0 0 0:0"
	[ $root = 1 ] && echo "in/null c 0620 1,3 0 0:0"
} >want
sort got >got.sorted
same_listing want got.sorted "copy-in of special files"
tar xOf out.tar f2 | cmp -s - sd/in/f || fail "f2 is not sd/in/f (the script's directory)"
entries cwd.tar >got-cwd
[ "$(cat got-cwd)" = "g f 0644 - 4 0:0" ] || { cat got-cwd; fail "-e: /g"; }
tar xOf cwd.tar g | cmp -s - other/f || fail "-e: g is not other/f (the current directory)"
[ $root = 1 ] || note "not root: devices not made, not checked"
