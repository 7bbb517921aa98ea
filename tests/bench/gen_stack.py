#!/usr/bin/env python3
"""gen_stack.py -- a generated layer stack for benchmarks (python3 stdlib).

Usage: gen_stack.py --entries N [--layers L] [--seed S] [--max-size B] OUTDIR

Writes OUTDIR/layer1.tar .. layerL.tar (plain pax tars), about N entries in
all, with the shapes that large real images have and that cost a layer
stacker the most:

- layer 1 holds about half of the entries: directories of 500 entries each
  (files of 0 to 4 KiB, a quarter of them above 200 bytes, symlinks and hard
  links), and besides them
  - one directory of 100,000 entries (N/10 for smaller stacks), "big/";
  - a large tree, "tree/" (N/50 entries in 100 directories), that layer 3
    makes opaque and fills again with a few entries;
  - deep paths, "deep/cK/l001/l002/..." (chains 64 directories deep, a file
    at every level: paths of 300 bytes and more, in pax headers);
  - hard-link groups, "links/X/gK": 8 names in 8 directories for one file;
- each later layer overwrites 5 % of its share with new content and removes
  as many with ".wh." whiteouts, so that 5 % of all entries are whiteouts,
  spread over the layers, big/, the trees and the link groups alike; and it
  makes one 500-entry directory opaque.

--max-size caps file sizes (default 4096), for stacks of 10,000,000 entries
whose tars should stay small. Deterministic for a seed and the options.
"""
import argparse
import io
import os
import random
import tarfile


def add_file(tar, name, data, mtime, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = mtime
    ti.mode = mode
    tar.addfile(ti, io.BytesIO(data))


def add_dir(tar, name, mtime):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = 0o755
    ti.mtime = mtime
    tar.addfile(ti)


def add_link(tar, name, target, mtime, hard=False):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    ti.linkname = target
    ti.mtime = mtime
    tar.addfile(ti)


class Gen:
    def __init__(self, a):
        self.rnd = random.Random(a.seed)
        self.blob = bytes(self.rnd.getrandbits(8) for _ in range(8192))
        self.max_size = a.max_size
        self.files = []     # paths of plain files that exist so far
        self.ndirs = 0

    def size(self, i):
        n = self.rnd.randrange(4096) if i % 4 == 0 else self.rnd.randrange(200)
        return min(n, self.max_size)

    def file(self, tar, name, i, mtime):
        add_file(tar, name, self.blob[:self.size(i)], mtime)
        self.files.append(name)

    def take(self):
        """A random existing file, removed from the list in O(1)."""
        i = self.rnd.randrange(len(self.files))
        victim = self.files[i]
        self.files[i] = self.files[-1]
        self.files.pop()
        return victim

    def big_dir(self, tar, n, mtime):
        add_dir(tar, "big", mtime)
        for i in range(n - 1):
            self.file(tar, "big/f%06d" % i, i, mtime)
        return n

    def tree(self, tar, n, mtime):
        """n entries in 100 directories under tree/ (not in files: layer 3
        makes tree/ opaque)."""
        add_dir(tar, "tree", mtime)
        count = 1
        per = max(1, n // 100 - 1)
        for k in range(100):
            if count >= n:
                break
            d = "tree/t%03d" % k
            add_dir(tar, d, mtime)
            count += 1
            for i in range(min(per, n - count)):
                add_file(tar, "%s/f%04d" % (d, i),
                         self.blob[:self.size(i)], mtime)
                count += 1
        return count

    def deep(self, tar, n, mtime):
        """Chains 64 directories deep, a file at every level."""
        add_dir(tar, "deep", mtime)
        count = 1
        k = 0
        while count + 2 <= n:
            path = "deep/c%03d" % k
            add_dir(tar, path, mtime)
            count += 1
            for level in range(1, 65):
                if count + 2 > n:
                    break
                path += "/l%03d" % level
                add_dir(tar, path, mtime)
                self.file(tar, path + "/file", level, mtime)
                count += 2
            k += 1
        return count

    def links(self, tar, n, mtime):
        """Groups of 8 names of one file, in links/a .. links/h."""
        subs = "abcdefgh"
        add_dir(tar, "links", mtime)
        for s in subs:
            add_dir(tar, "links/" + s, mtime)
        count = 1 + len(subs)
        g = 0
        while count + len(subs) <= n:
            first = "links/a/g%05d" % g
            self.file(tar, first, g, mtime)
            for s in subs[1:]:
                name = "links/%s/g%05d" % (s, g)
                add_link(tar, name, first, mtime, hard=True)
                self.files.append(name)
            count += len(subs)
            g += 1
        return count

    def dirs(self, tar, want, count, mtime):
        """Directories of 500 entries until the layer has want entries."""
        while count < want:
            d = "d%05d" % self.ndirs
            self.ndirs += 1
            add_dir(tar, d, mtime)
            count += 1
            for i in range(min(500, want - count)):
                name = "%s/f%04d" % (d, i)
                k = i % 50
                if k == 48 and i > 0:
                    add_link(tar, name, "f%04d" % (i - 1), mtime)
                elif k == 49 and i > 1:
                    add_link(tar, name, "%s/f%04d" % (d, i - 2), mtime,
                             hard=True)
                else:
                    self.file(tar, name, i, mtime)
                count += 1
        return count

    def changes(self, tar, want, layer, mtime):
        """Whiteouts and overwrites (5 % of the layer's share each of the
        whole stack's 10 %), one opaque 500-entry directory, and in layer 3
        the opaque tree."""
        count = 0
        for _ in range(want // 10):
            d, f = self.take().rsplit("/", 1)
            add_file(tar, "%s/.wh.%s" % (d, f), b"", mtime)
            count += 1
        for i in range(want // 10):
            p = self.files[self.rnd.randrange(len(self.files))]
            add_file(tar, p, self.blob[:self.size(i)], mtime)
            count += 1
        if self.ndirs:
            d = "d%05d" % self.rnd.randrange(self.ndirs)
            add_file(tar, d + "/.wh..wh..opq", b"", mtime)
            self.files = [p for p in self.files if not p.startswith(d + "/")]
            count += 1
        if layer == 3:
            add_file(tar, "tree/.wh..wh..opq", b"", mtime)
            add_dir(tar, "tree/t000", mtime)
            for i in range(100):
                add_file(tar, "tree/t000/n%04d" % i, self.blob[:i], mtime)
            count += 102
        return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, required=True)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-size", type=int, default=4096)
    ap.add_argument("outdir")
    a = ap.parse_args()
    g = Gen(a)
    os.makedirs(a.outdir, exist_ok=True)
    base = a.entries // 2
    rest = (a.entries - base) // max(1, a.layers - 1)
    for layer in range(1, a.layers + 1):
        mtime = 1700000000 + layer * 86400
        path = os.path.join(a.outdir, "layer%d.tar" % layer)
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            if layer == 1:
                count = g.big_dir(tar, min(100000, a.entries // 10), mtime)
                count += g.tree(tar, a.entries // 50, mtime)
                count += g.deep(tar, a.entries // 100, mtime)
                count += g.links(tar, a.entries // 50, mtime)
                g.dirs(tar, base, count, mtime)
            else:
                count = g.changes(tar, rest, layer, mtime)
                g.dirs(tar, rest, count, mtime)


if __name__ == "__main__":
    main()
