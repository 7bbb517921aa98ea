#!/bin/sh
# mksample.sh -- regenerate the four-layer sample image in testdata/sample/.
#
# Usage: sh testdata/mksample.sh [OUTDIR]      (default: testdata/sample beside this script)
#
# Writes layer1.tar (plain), layer2.tar.gz (gzip -9, no name, mtime 0),
# layer3.tar.zst (zstd -19 CLI) and layer4.tar (plain). Every entry is built
# by hand with python3's tarfile in PAX format: fixed mtimes, explicit
# uid/gid/uname/gname, entries in the order written below (which is sorted
# by path, except where a marker is placed on purpose), so whiteouts, opaque
# markers, xattrs (SCHILY.xattr.*), hard links and devices are exactly what
# testdata/README.md says. Needs python3 (stdlib only) and the zstd CLI.
#
# The tars are committed. The expected flattened listings
# (sample/expected.list, sample/expected-keep-dirlinks.list) are NOT made
# here: they were derived by hand from the layer contents (testdata/README.md)
# and cross-checked against the kernel (tests/conformance/sample_vs_kernel.sh).
# If you change a layer, re-derive them by hand.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/sample}
command -v python3 >/dev/null || { echo "mksample: python3 not found" >&2; exit 1; }
command -v zstd >/dev/null || {
	echo "mksample: the zstd CLI is needed for layer3.tar.zst (apt-get install zstd;" \
	     "python's stdlib has no zstd)" >&2
	exit 1
}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

python3 - "$tmp" <<'EOF'
import gzip
import io
import os
import sys
import tarfile

tmp = sys.argv[1]

T1, T2, T3, T4 = 1700000000, 1700086400, 1700172800, 1700259200
NAMES = {0: "root", 1000: "app"}

# security.capability, VFS_CAP_REVISION_2 with the effective flag
# (magic_etc 0x02000001, little endian), permitted = CAP_NET_RAW (1 << 13),
# everything else zero: 20 bytes, 16 of them NUL.
CAP_NET_RAW = bytes.fromhex("01000002" "00200000" "00000000" "00000000" "00000000")
assert len(CAP_NET_RAW) == 20

PASSWD = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
GROUP = b"root:x:0:\napp:x:1000:\n"


def s(b):
    """bytes -> str for tarfile (surrogateescape keeps non-UTF-8 bytes)."""
    return b.decode("utf-8", "surrogateescape")


class Layer:
    def __init__(self, mtime):
        self.mtime = mtime
        self.items = []          # (TarInfo, data or None)
        self.seen = set()

    def _ti(self, path, type_, mode, uid, gid, xattrs=None):
        assert not path.startswith("/") and not path.endswith("/")
        parent = path.rpartition("/")[0]
        # every layer carries its parent directories explicitly, as real
        # layers do: no implicit parents, whose metadata is ambiguous
        assert parent == "" or parent in self.seen, "parent of %r missing" % path
        ti = tarfile.TarInfo(path)
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.uname, ti.gname = NAMES[uid], NAMES[gid]
        ti.mtime = self.mtime
        for k, v in (xattrs or {}).items():
            ti.pax_headers["SCHILY.xattr." + k] = s(v)
        return ti

    def dir(self, path, mode=0o755, uid=0, gid=0, xattrs=None):
        self.items.append((self._ti(path, tarfile.DIRTYPE, mode, uid, gid, xattrs), None))
        self.seen.add(path)

    def file(self, path, data, mode=0o644, uid=0, gid=0, xattrs=None, pax_mtime=None):
        ti = self._ti(path, tarfile.REGTYPE, mode, uid, gid, xattrs)
        ti.size = len(data)
        if pax_mtime is not None:
            # exact decimal string: a float would lose the nanoseconds
            ti.pax_headers["mtime"] = pax_mtime
        self.items.append((ti, data))
        self.seen.add(path)

    def symlink(self, path, target):
        ti = self._ti(path, tarfile.SYMTYPE, 0o777, 0, 0)
        ti.linkname = target
        self.items.append((ti, None))
        self.seen.add(path)

    def hardlink(self, path, target, mode=0o644, uid=0, gid=0):
        assert target in self.seen
        ti = self._ti(path, tarfile.LNKTYPE, mode, uid, gid)
        ti.linkname = target
        self.items.append((ti, None))
        self.seen.add(path)

    def chr(self, path, major, minor, mode=0o666):
        ti = self._ti(path, tarfile.CHRTYPE, mode, 0, 0)
        ti.devmajor, ti.devminor = major, minor
        self.items.append((ti, None))
        self.seen.add(path)

    def fifo(self, path, mode=0o600):
        self.items.append((self._ti(path, tarfile.FIFOTYPE, mode, 0, 0), None))
        self.seen.add(path)

    def whiteout(self, path):
        """An OCI marker: .wh.NAME or .wh..wh..opq, an empty regular file."""
        assert path.rpartition("/")[2].startswith(".wh.")
        ti = self._ti(path, tarfile.REGTYPE, 0o644, 0, 0)
        ti.size = 0
        self.items.append((ti, b""))

    def tar(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                          encoding="utf-8", errors="surrogateescape") as tf:
            for ti, data in self.items:
                tf.addfile(ti, io.BytesIO(data) if data is not None else None)
        return buf.getvalue()


# ---------------------------------------------------------------- layer 1: base
l1 = Layer(T1)
l1.dir("bin")
l1.file("bin/busybox", b"#!busybox v1\n", 0o755)
l1.hardlink("bin/sh", "bin/busybox", 0o755)              # pair that survives
l1.file("bin/su", b"su v1\n", 0o4755)                     # setuid
l1.dir("dev")
l1.chr("dev/null", 1, 3, 0o666)
l1.dir("etc")
l1.dir("etc/conf.d")
l1.file("etc/conf.d/old.conf", b"old=1\n")
l1.dir("etc/conf.d/sub")
l1.file("etc/conf.d/sub/deep.conf", b"deep=1\n")
l1.file("etc/group", GROUP)
l1.file("etc/motd", b"welcome to layer1\n")              # becomes a dir in L2
l1.symlink("etc/mtab", "/proc/self/mounts")               # absolute, dangling
l1.file("etc/oldconf", b"oldconf from layer1\n")          # whited out L2, re-added L3
l1.file("etc/passwd", PASSWD)
l1.dir("home")
l1.dir("home/app", 0o750, 1000, 1000, {"user.comment": b"app home"})
l1.file("home/app/notes file.txt", b"notes\n", 0o640, 1000, 1000,
        {"user.mime_type": b"text/plain"})
l1.symlink("lib", "usr/lib")                              # usrmerge
l1.dir("opt")
l1.dir("opt/app")                                         # whited out L2, re-added L3
l1.dir("opt/app/cfg")
l1.file("opt/app/cfg/a", b"cfg a\n")
l1.file("opt/app/old.bin", b"old.bin\n", 0o755)
l1.dir("opt/data")                                        # becomes a file in L3
l1.file("opt/data/a", b"data a\n")
l1.dir("opt/data/sub")
l1.file("opt/data/sub/b", b"data b\n")
l1.dir("run")
l1.fifo("run/initctl", 0o600)
l1.dir("srv")
l1.file("srv/both", b"both from layer1\n")
l1.dir("tmp", 0o1777)                                     # sticky
l1.dir("usr")
l1.dir("usr/bin")
l1.symlink("usr/bin/busybox", "/bin/busybox")             # absolute, resolves
l1.file("usr/bin/ping", b"ping\n", 0o755, xattrs={"security.capability": CAP_NET_RAW})
l1.file("usr/bin/tool", b"tool v1\n", 0o755)
l1.hardlink("usr/bin/tool-alias", "usr/bin/tool", 0o755)  # the link name is replaced in L2
l1.dir("usr/lib")
l1.symlink("usr/lib/libgone.so", "libgone.so.0")          # relative, dangling
l1.symlink("usr/lib/libx.so", "libx.so.1.0")              # relative, resolves
l1.file("usr/lib/libx.so.1", b"libx 1.0\n")               # data holder, whited out in L3
l1.hardlink("usr/lib/libx.so.1.0", "usr/lib/libx.so.1")
l1.file("usr/lib/os-release", b"ID=sample\n")
l1.dir("usr/share")
l1.dir("usr/share/doc")
l1.dir("usr/share/doc/base")
l1.file("usr/share/doc/base/copyright", b"copyright base\n")
l1.dir("var")
l1.dir("var/cache")
l1.dir("var/cache/apt")                                   # whited out (dir) in L3
l1.dir("var/cache/apt/archives")
l1.dir("var/cache/apt/archives/partial", 0o700)
l1.file("var/cache/apt/pkgcache.bin", b"pkgcache\n")
l1.dir("var/log")
l1.file("var/log/dpkg.log", b"dpkg log\n")                # whited out (file) in L3

# ---------------------------------------------------------------- layer 2 (gzip)
l2 = Layer(T2)
l2.dir("etc")
l2.whiteout("etc/.wh.oldconf")                            # whiteout of a file
l2.dir("etc/conf.d")
l2.whiteout("etc/conf.d/.wh..wh..opq")                    # opaque, BEFORE its siblings
l2.file("etc/conf.d/new.conf", b"new=2\n")
l2.dir("etc/motd")                                        # file -> directory
l2.file("etc/motd/10-welcome", b"welcome from layer2\n")
l2.dir("home")
l2.dir("home/app", 0o750, 1000, 1000, {"user.comment": b"app home"})
l2.file(s(b"home/app/caf\xe9.txt"), b"latin-1 name\n", 0o644, 1000, 1000)
l2.dir("opt")
l2.whiteout("opt/.wh.app")                                # whiteout of a directory
l2.dir("usr")
l2.dir("usr/bin")
l2.file("usr/bin/tool-alias", b"tool-alias v2\n", 0o755)  # breaks the L1 pair
l2.dir("usr/share")
l2.dir("usr/share/doc")
l2.dir("usr/share/doc/app")
l2.file("usr/share/doc/app/README", b"app docs\n")
l2.file("usr/share/nsec", b"nsec mtime\n", pax_mtime="1700086400.123456789")

# ---------------------------------------------------------------- layer 3 (zstd)
l3 = Layer(T3)
l3.dir("etc")
l3.file("etc/oldconf", b"oldconf re-added in layer3\n", 0o600)
l3.dir("home")
l3.dir("home/app", 0o700, 1000, 1000, {"user.comment": b"app home"})  # chmod of a dir
l3.dir("opt")
l3.dir("opt/app")                                         # re-added over L2's whiteout
l3.file("opt/app/new.bin", b"new.bin from layer3\n", 0o755)
l3.file("opt/data", b"opt/data is a file since layer3\n")  # directory -> file
l3.dir("usr")
l3.dir("usr/lib")
l3.whiteout("usr/lib/.wh.libx.so.1")                      # data holder of the pair
l3.dir("var")
l3.dir("var/cache")
l3.whiteout("var/cache/.wh.apt")                          # whiteout of a directory
l3.dir("var/log")
l3.whiteout("var/log/.wh.dpkg.log")                       # whiteout of a file

# ---------------------------------------------------------------- layer 4: plain
l4 = Layer(T4)
l4.dir("lib")                                             # dir over the L1 symlink
l4.file("lib/extra.so", b"extra\n")
l4.dir("srv")
l4.file("srv/both", b"both from layer4\n")
l4.whiteout("srv/.wh.both")                               # same layer: hides L1 only
l4.dir("tmp", 0o1777)
l4.whiteout("tmp/.wh.never-existed")                      # hides nothing
l4.dir("usr")
l4.dir("usr/bin")
l4.file("usr/bin/new-tool", b"new-tool\n", 0o755)
l4.hardlink("usr/bin/new-tool-link", "usr/bin/new-tool", 0o755)
l4.dir("usr/share")
l4.dir("usr/share/doc")
l4.file("usr/share/doc/README", b"docs replaced in layer4\n")
l4.dir("usr/share/doc/base")
l4.file("usr/share/doc/base/NEWS", b"news\n")
l4.whiteout("usr/share/doc/.wh..wh..opq")                 # opaque, AFTER its siblings

for n, l in ((1, l1), (2, l2), (3, l3), (4, l4)):
    with open(os.path.join(tmp, "layer%d.tar" % n), "wb") as f:
        f.write(l.tar())
with open(os.path.join(tmp, "layer2.tar"), "rb") as f:
    raw = f.read()
with open(os.path.join(tmp, "layer2.tar.gz"), "wb") as f:
    f.write(gzip.compress(raw, compresslevel=9, mtime=0))
EOF

zstd -q -19 -f -o "$tmp/layer3.tar.zst" "$tmp/layer3.tar"
for f in layer1.tar layer2.tar.gz layer3.tar.zst layer4.tar; do
	cp "$tmp/$f" "$out/$f.new"
	mv -f "$out/$f.new" "$out/$f"
done
echo "mksample: wrote $out/layer1.tar layer2.tar.gz layer3.tar.zst layer4.tar"
