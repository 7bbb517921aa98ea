#!/usr/bin/env python3
"""check.py OUT.tar CHECK -- one check of a flattened tar, for the "ok" cases
of mkmalformed.py:

  entries N               the tar has N entries
  file PATH               PATH is a regular file
  link PATH TARGET        PATH and TARGET are one file (hard links)
  symlink PATH TARGET     PATH is a symlink to TARGET, verbatim
  mtime PATH SECONDS      PATH's mtime is SECONDS (may be negative)
  size PATH BYTES         PATH is a regular file of BYTES bytes

Exits 0 when the check holds, else prints what was found and exits 1.
"""
import sys
import tarfile


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    words = argv[2].split()
    with tarfile.open(argv[1]) as tf:
        members = tf.getmembers()
    by = {m.name.rstrip("/"): m for m in members}
    what, args = words[0], words[1:]
    m = by.get(args[0]) if what != "entries" else None
    if what == "entries":
        ok = len(members) == int(args[0])
    elif m is None:
        ok = False
    elif what == "file":
        ok = m.isreg()
    elif what == "link":
        t = by.get(args[1])
        ok = t is not None and ((m.islnk() and m.linkname == args[1]) or
                                (t.islnk() and t.linkname == args[0]))
    elif what == "symlink":
        ok = m.issym() and m.linkname == args[1]
    elif what == "size":
        ok = m.isreg() and m.size == int(args[1])
    elif what == "mtime":
        ok = int(m.mtime) == int(args[1])
    else:
        sys.exit("check.py: unknown check '%s'" % what)
    if not ok:
        print("check '%s' failed; the tar holds:" % argv[2])
        for x in members[:20]:
            print("  %s %s %s" % (x.type, x.name, x.linkname))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
