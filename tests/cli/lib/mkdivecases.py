#!/usr/bin/env python3
"""mkdivecases.py -- random small layer stacks for checking overtar's dive
figures against dive_metrics.py (tests/cli/inspect_dive_figures.sh).

Usage: mkdivecases.py SEED COUNT DIR
Writes DIR/N/layerK.tar (N < COUNT, 2 to 4 plain layers each) from a few
names, so that paths meet across layers: files rewritten with other sizes,
directories replaced by files and back, whiteouts of files, of whole
directories, of names no layer has, of the base layer's own names, opaque
markers, a whiteout beside an entry of its own name, hard links and
symlinks. Deterministic for a seed.
"""
import io
import os
import random
import sys
import tarfile

NAMES = ["a", "b", "c", "a-b", "a.b"]


def member(name, kind, size=0, link=""):
    ti = tarfile.TarInfo(name)
    ti.mtime = 1700000000
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    ti.type = kind
    ti.size = size if kind == tarfile.REGTYPE else 0
    ti.linkname = link
    return ti


def layer(rng, base):
    """One layer's entries: (name, kind, size, link), parents listed."""
    out, seen, files, nondir = [], set(), [], set()

    def parents(p):
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in seen:
                seen.add(d)
                out.append((d, tarfile.DIRTYPE, 0, ""))

    for _ in range(rng.randint(1, 7)):
        depth = rng.randint(1, 3)
        p = "/".join(rng.choice(NAMES) for _ in range(depth))
        r = rng.random()
        parts = p.split("/")
        if p in seen or any("/".join(parts[:i]) in nondir
                            for i in range(1, len(parts))):
            continue
        if r < 0.35:
            parents(p)
            seen.add(p)
            nondir.add(p)
            out.append((p, tarfile.REGTYPE, rng.choice([0, 3, 5, 8, 13]), ""))
            files.append(p)
        elif r < 0.5:
            parents(p)
            seen.add(p)
            out.append((p, tarfile.DIRTYPE, 0, ""))
        elif r < 0.7 and not base or r < 0.55:
            d, _, n = p.rpartition("/")
            wh = (d + "/" if d else "") + ".wh." + n
            if wh not in seen:
                parents(wh)
                seen.add(wh)
                out.append((wh, tarfile.REGTYPE, 0, ""))
                if rng.random() < 0.2 and p not in seen:
                    seen.add(p)     # an entry beside its own whiteout
                    nondir.add(p)
                    out.append((p, tarfile.REGTYPE, 4, ""))
                    files.append(p)
        elif r < 0.78:
            parents(p)
            opq = p + "/.wh..wh..opq"
            if p not in seen:
                seen.add(p)
                out.append((p, tarfile.DIRTYPE, 0, ""))
            if opq not in seen:
                seen.add(opq)
                out.append((opq, tarfile.REGTYPE, 0, ""))
        elif r < 0.9 and files:
            parents(p)
            seen.add(p)
            nondir.add(p)
            out.append((p, tarfile.LNKTYPE, 0, rng.choice(files)))
        else:
            parents(p)
            seen.add(p)
            nondir.add(p)
            out.append((p, tarfile.SYMTYPE, 0, "a"))
    return out


def write(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, size, link in entries:
            t.addfile(member(name, kind, size, link),
                      io.BytesIO(b"x" * size) if kind == tarfile.REGTYPE else None)


def main():
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    for n in range(count):
        d = os.path.join(out, str(n))
        os.makedirs(d, exist_ok=True)
        for k in range(rng.randint(2, 4)):
            write(os.path.join(d, "layer%d.tar" % k), layer(rng, k == 0))


if __name__ == "__main__":
    main()
