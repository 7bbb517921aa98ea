#!/usr/bin/env python3
"""mklayers.py DIR -- write small well-formed layer stacks, one directory per
case, DIR/CASE/layer1.tar, layer2.tar (base first), for the CLI tests and the
kernel conformance test. Python 3 stdlib only, PAX format, deterministic.
The expected results are stated, derived by hand, in the tests that use them
(flatten_hardlinks.sh, flatten_whiteouts.sh).

  hardlink3  L1: h/a, h/b and h/c are one file (h/a holds the data: h/b and
             h/c are hard links to it), h/d is another file.
             L2: .wh.a in h/ deletes the data holder.
  ordering   L1: a/{1,2}, b/{1}, c/{x,y}, e/sub/old.
             L2: a/.wh..wh..opq BEFORE a/3; b/3 BEFORE b/.wh..wh..opq;
             c/.wh.x BEFORE c/x (re-added in the same layer); e/.wh.sub
             BEFORE e/sub/new (a directory re-added in the same layer).
  linktypes  L1: hard links to a symlink (s/s2), a character device (s/c2)
             and a fifo (s/p2), as moby's TestUntarHardlinkToSymlink and
             GNU tar write them; L2: a file hard-linked by s/f2.
  ovlforms   whiteouts in the overlayfs spelling (what `docker save` of an
             overlay upper would hold if not converted): L1: d/{x,y}, f, g.
             L2: d/ with SCHILY.xattr.trusted.overlay.opaque=y and d/z;
             f as a character device 0/0.
"""
import io
import os
import sys
import tarfile


def tar(path, members):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for m in members:
            kind, name = m[0], m[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            data = None
            if kind == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                for k, v in (m[2] if len(m) > 2 else {}).items():
                    ti.pax_headers["SCHILY.xattr." + k] = v
            elif kind == "f":
                ti.type, ti.mode = tarfile.REGTYPE, 0o644
                data = m[2]
                ti.size = len(data)
            elif kind == "h":
                ti.type, ti.mode, ti.linkname = tarfile.LNKTYPE, 0o644, m[2]
            elif kind == "l":
                ti.type, ti.mode, ti.linkname = tarfile.SYMTYPE, 0o777, m[2]
            elif kind == "p":
                ti.type, ti.mode = tarfile.FIFOTYPE, 0o644
            elif kind == "c":
                ti.type, ti.mode = tarfile.CHRTYPE, 0
                ti.devmajor, ti.devminor = m[2], m[3]
            else:
                raise ValueError(kind)
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)


CASES = {
    "hardlink3": [
        [("d", "h"), ("f", "h/a", b"shared data\n"), ("h", "h/b", "h/a"),
         ("h", "h/c", "h/a"), ("f", "h/d", b"solo\n")],
        [("d", "h"), ("f", "h/.wh.a", b"")],
    ],
    "ordering": [
        [("d", "a"), ("f", "a/1", b"a1\n"), ("f", "a/2", b"a2\n"),
         ("d", "b"), ("f", "b/1", b"b1\n"),
         ("d", "c"), ("f", "c/x", b"old x\n"), ("f", "c/y", b"y\n"),
         ("d", "e"), ("d", "e/sub"), ("f", "e/sub/old", b"old\n")],
        [("d", "a"), ("f", "a/.wh..wh..opq", b""), ("f", "a/3", b"a3\n"),
         ("d", "b"), ("f", "b/3", b"b3\n"), ("f", "b/.wh..wh..opq", b""),
         ("d", "c"), ("f", "c/.wh.x", b""), ("f", "c/x", b"new x\n"),
         ("d", "e"), ("f", "e/.wh.sub", b""), ("d", "e/sub"), ("f", "e/sub/new", b"new\n")],
    ],
    "linktypes": [
        [("d", "s"), ("l", "s/s", "target"), ("h", "s/s2", "s/s"),
         ("c", "s/c", 1, 3), ("h", "s/c2", "s/c"),
         ("p", "s/p"), ("h", "s/p2", "s/p")],
        [("d", "s"), ("f", "s/f", b"f\n"), ("h", "s/f2", "s/f")],
    ],
    "ovlforms": [
        [("d", "d"), ("f", "d/x", b"x\n"), ("f", "d/y", b"y\n"),
         ("f", "f", b"f\n"), ("f", "g", b"g\n")],
        [("d", "d", {"trusted.overlay.opaque": "y"}), ("f", "d/z", b"z\n"),
         ("c", "f", 0, 0)],
    ],
}


def main(out):
    for case, layers in CASES.items():
        d = os.path.join(out, case)
        os.makedirs(d, exist_ok=True)
        for i, members in enumerate(layers, 1):
            tar(os.path.join(d, "layer%d.tar" % i), members)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
