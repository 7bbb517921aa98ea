#!/usr/bin/env python3
"""tarcheck.py [--mtimes] TAR -- check the shape of a flattened root
filesystem tar (plain, uncompressed) and print each problem; exit 1 if any.

  - names are relative and clean: no leading "/" or "./", no "." or ".."
    component, no empty component; no name appears twice
  - every entry's parent directory is an earlier directory entry
  - no whiteout is left: no ".wh." name, no character device 0/0, no
    trusted.overlay.* xattr (SCHILY.xattr.trusted.overlay.*)
  - a hard link names an earlier regular file (or hard link) entry
  - the archive ends with two zero blocks

With --mtimes, prints instead "PATH<TAB>SECONDS.NANOSECONDS" for every entry,
sorted by path (the exact pax mtime when there is one, else the header's).
"""
import sys
import tarfile


def ns_of(ti):
    s = ti.pax_headers.get("mtime")
    if s is None:
        return "%d.%09d" % (int(ti.mtime), 0)
    sec, _, frac = s.partition(".")
    frac = (frac + "000000000")[:9]
    return "%d.%s" % (int(sec), frac)


def main(argv):
    mtimes = "--mtimes" in argv
    args = [a for a in argv[1:] if a != "--mtimes"]
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    problems = []
    seen = {}
    rows = []
    with tarfile.open(path, "r:", encoding="utf-8", errors="surrogateescape") as tf:
        for ti in tf:
            raw = ti.name
            name = raw.rstrip("/") if ti.isdir() else raw
            rows.append((name.encode("utf-8", "surrogateescape"), ns_of(ti)))
            parts = name.split("/")
            if raw.startswith("/") or raw.startswith("./") or any(
                    p in ("", ".", "..") for p in parts):
                problems.append("unclean name %r" % raw)
            if name in seen:
                problems.append("duplicate entry %r" % name)
            parent = name.rpartition("/")[0]
            if parent and seen.get(parent) != "d":
                problems.append("%r comes before (or without) its parent directory" % name)
            if parts[-1].startswith(".wh."):
                problems.append("whiteout marker left in the output: %r" % name)
            if ti.ischr() and ti.devmajor == 0 and ti.devminor == 0:
                problems.append("overlayfs whiteout (char 0/0) left in the output: %r" % name)
            for k in ti.pax_headers:
                if k.startswith("SCHILY.xattr.trusted.overlay."):
                    problems.append("%r carries %s" % (name, k))
            if ti.islnk():
                t = seen.get(ti.linkname)
                if t not in ("f", "h"):
                    problems.append("hard link %r -> %r: target is not an earlier file"
                                    % (name, ti.linkname))
            seen[name] = ("d" if ti.isdir() else "h" if ti.islnk()
                          else "f" if ti.isreg() else "o")
        end = tf.offset
    with open(path, "rb") as f:
        f.seek(end)
        tail = f.read(1024)
    if len(tail) < 1024 or tail.count(0) != 1024:
        problems.append("the archive does not end with two zero blocks")
    if mtimes:
        for name, ns in sorted(rows):
            sys.stdout.write("%s\t%s\n" % (name.decode("utf-8", "backslashreplace"), ns))
        return 0 if not problems else 1
    for p in problems:
        print("tarcheck: %s: %s" % (path, p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
