#!/usr/bin/env python3
"""tree_mtimes.py DIR -- "PATH<TAB>SECONDS.NANOSECONDS" for every entry under
DIR (lstat mtimes; sorted by path; DIR itself omitted): the format of
tarcheck.py --mtimes, so that a tree and a tar compare line by line."""
import os
import sys


def main():
    root = os.fsencode(sys.argv[1])
    rows = []
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            ns = os.lstat(p).st_mtime_ns
            rel = os.path.relpath(p, root)
            rows.append((rel, "%d.%09d" % divmod(ns, 10**9)))
    for rel, t in sorted(rows):
        sys.stdout.write("%s\t%s\n" % (rel.decode("utf-8", "backslashreplace"), t))


if __name__ == "__main__":
    main()
