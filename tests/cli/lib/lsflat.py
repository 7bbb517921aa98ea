#!/usr/bin/env python3
"""lsflat.py TAR -- a short listing of a (plain) tar for hand-written
expectations: one line per entry, sorted by path,

  PATH TYPE MODE CONTENT HARDLINK

TYPE f d l c b p; MODE 4 octal digits; CONTENT the file's bytes (Python
repr without the b), the symlink target, MAJOR,MINOR, or "-"; HARDLINK the
first (smallest) path of its hard-link group among the entries, or "-".
Names lose a leading "./"; the root entry is not listed.
"""
import sys
import tarfile


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    name = name.rstrip("/")
    return "" if name == "." else name


def main(path):
    rows = {}
    data = {}
    group = {}
    with tarfile.open(path, "r:", encoding="utf-8", errors="surrogateescape") as tf:
        for ti in tf:
            name = norm(ti.name)
            if name == "":
                continue
            if ti.islnk():
                ti.linkname = norm(ti.linkname)
                tgt = group.get(ti.linkname, ti.linkname)
                group[name] = tgt
                t, mode, content = rows[ti.linkname][0], rows[ti.linkname][1], rows[ti.linkname][2]
                rows[name] = (t, mode, content)
                continue
            if ti.isreg():
                content = repr(tf.extractfile(ti).read())[1:]
                t = "f"
            elif ti.isdir():
                t, content = "d", "-"
            elif ti.issym():
                t, content = "l", ti.linkname
            elif ti.ischr() or ti.isblk():
                t, content = ("c" if ti.ischr() else "b"), "%d,%d" % (ti.devmajor, ti.devminor)
            elif ti.isfifo():
                t, content = "p", "-"
            else:
                t, content = "?", "-"
            rows[name] = (t, "%04o" % (ti.mode & 0o7777), content)
    members = {}
    for n, root in group.items():
        members.setdefault(root, {root}).add(n)
    first = {}
    for root, names in members.items():
        for n in names:
            first[n] = min(names)
    for name in sorted(rows, key=lambda s: s.encode("utf-8", "surrogateescape")):
        t, mode, content = rows[name]
        print("%s %s %s %s %s" % (name, t, mode, content, first.get(name, "-")))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
