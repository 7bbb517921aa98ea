#!/usr/bin/env python3
"""oci2ovl.py DIR -- turn an extracted OCI layer (GNU tar -x output) into an
overlayfs lower directory, in place. Root only (mknod, trusted.* xattrs).

OCI image-spec layer.md "Whiteouts" -> Linux overlayfs
(Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories"):

  DIR/.wh..wh..opq   removed; DIR gets trusted.overlay.opaque=y
  DIR/.wh.NAME       removed; NAME becomes a character device 0/0, unless this
                     layer has NAME itself (a whiteout only hides lower
                     layers): a non-directory NAME already hides every lower
                     NAME; a directory NAME is made opaque, so that nothing of
                     a lower NAME shows through it.

Directory mtimes are put back after the markers are removed and whiteouts
made, so that the merged tree keeps the layer's times.

Exits 1 on a marker overlayfs cannot express (".wh." alone, ".wh..wh.X" other
than the opaque marker). Prints nothing on success.
"""
import os
import stat
import sys

OPQ = b".wh..wh..opq"
WH = b".wh."
OPAQUE_XATTR = "trusted.overlay.opaque"


def convert(root):
    root = os.fsencode(root)
    for d, dirnames, filenames in os.walk(root):
        names = set(dirnames) | set(filenames)
        if not any(n.startswith(WH) for n in names):
            continue
        st = os.lstat(d)
        for f in sorted(names):
            if not f.startswith(WH):
                continue
            p = os.path.join(d, f)
            if f == OPQ:
                os.unlink(p)
                os.setxattr(d, OPAQUE_XATTR, b"y")
                continue
            name = f[len(WH):]
            if name in (b"", b".", b"..") or name.startswith(WH):
                sys.exit("oci2ovl: %r: marker overlayfs cannot express" % p)
            os.unlink(p)
            t = os.path.join(d, name)
            if os.path.lexists(t):
                if stat.S_ISDIR(os.lstat(t).st_mode):
                    os.setxattr(t, OPAQUE_XATTR, b"y")
                continue
            os.mknod(t, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    convert(sys.argv[1])
