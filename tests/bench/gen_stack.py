#!/usr/bin/env python3
"""gen_stack.py -- a generated layer stack for benchmarks (python3 stdlib).

Usage: gen_stack.py --entries N [--layers L] [--seed S] OUTDIR

Writes OUTDIR/layer1.tar .. layerL.tar (plain pax tars). Layer 1 holds about
half of the entries: directories of 500 entries each, files of 0 to 4 KiB,
symlinks and hard links. Each later layer adds new files, overwrites some of
the earlier ones, and removes others with .wh. whiteouts, one directory in
each with an opaque marker, so that the stack has whiteouts, opaque
directories and replaced files throughout. Deterministic for a seed.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, required=True)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    blob = bytes(rnd.getrandbits(8) for _ in range(8192))
    os.makedirs(a.outdir, exist_ok=True)
    per_dir = 500
    base = a.entries // 2
    rest = (a.entries - base) // max(1, a.layers - 1)
    files = []          # paths that exist so far (files only)
    ndirs = 0
    for layer in range(1, a.layers + 1):
        mtime = 1700000000 + layer * 86400
        path = os.path.join(a.outdir, "layer%d.tar" % layer)
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            want = base if layer == 1 else rest
            count = 0
            if layer > 1 and files:
                # whiteouts and overwrites of earlier files
                for _ in range(want // 10):
                    victim = files.pop(rnd.randrange(len(files)))
                    d, f = victim.rsplit("/", 1)
                    add_file(tar, "%s/.wh.%s" % (d, f), b"", mtime)
                    count += 1
                for _ in range(want // 10):
                    p = files[rnd.randrange(len(files))]
                    n = rnd.randrange(4096)
                    add_file(tar, p, blob[:n], mtime)
                    count += 1
                # one opaque directory per layer
                d = "d%05d" % rnd.randrange(ndirs)
                add_file(tar, d + "/.wh..wh..opq", b"", mtime)
                files = [p for p in files if not p.startswith(d + "/")]
                count += 1
            while count < want:
                d = "d%05d" % ndirs
                ndirs += 1
                add_dir(tar, d, mtime)
                count += 1
                for i in range(min(per_dir, want - count)):
                    name = "%s/f%04d" % (d, i)
                    k = i % 50
                    if k == 48 and i > 0:
                        add_link(tar, name, "f%04d" % (i - 1), mtime)
                    elif k == 49 and i > 1:
                        add_link(tar, name, "%s/f%04d" % (d, i - 2), mtime,
                                 hard=True)
                    else:
                        n = rnd.randrange(4096) if i % 4 == 0 else rnd.randrange(200)
                        add_file(tar, name, blob[:n], mtime)
                        files.append(name)
                    count += 1


if __name__ == "__main__":
    main()
