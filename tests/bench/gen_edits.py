#!/usr/bin/env python3
"""gen_edits.py -- an overtar-script(5) of N edits over an image (python3 stdlib).

Usage: gen_edits.py [--edits N] [--seed S] LISTING > edits.ots

LISTING is a canonical listing of the image's merged tree (canonical-list.py
output, such as the bench corpus's expected-flat.list: path TAB type TAB ...).
The script mixes what image edits do: chmod, chown and touch of existing
files, writes of new and existing files, appends, mkdir -p, rm -f of files,
rm -rf of whole directories, mv and cp of files, symlinks. Every path is used
by one edit only and no edit touches what an earlier one removed, so the
script runs to the end on that image. Deterministic for a seed.
"""
import argparse
import random
import re
import sys

SAFE = re.compile(r"^[A-Za-z0-9._@+/-]+$")


def q(path):
    """Quoted for the script: single quotes, paths with none inside."""
    return "'/" + path + "'"


def read_listing(path):
    files, dirs = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6 or not SAFE.match(cols[0]):
                continue
            if cols[1] == "f" and cols[9:10] == ["-"]:
                files.append((cols[0], int(cols[5])))
            elif cols[1] == "d":
                dirs.append(cols[0])
    return files, dirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("listing")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    files, dirs = read_listing(a.listing)
    # Whole directories to remove: leaves (no subdirectory) of a few files,
    # deep enough not to be a system directory.
    parents = {d.rsplit("/", 1)[0] for d in dirs if "/" in d}
    leaves = [d for d in dirs if d not in parents and d.count("/") >= 3]
    rnd.shuffle(leaves)
    n = a.edits
    share = {"chmod": 0.20, "chown": 0.08, "touch": 0.10, "write_new": 0.12,
             "overwrite": 0.08, "append": 0.06, "mkdir": 0.06, "rm": 0.10,
             "rmdir": 0.03, "mv": 0.06, "cp": 0.06, "ln": 0.05}
    counts = {k: int(n * v) for k, v in share.items()}
    counts["chmod"] += n - sum(counts.values())
    gone = set(rnd.sample(leaves, min(counts["rmdir"], len(leaves))))
    counts["chmod"] += counts["rmdir"] - len(gone)
    counts["rmdir"] = len(gone)
    # Files outside the removed directories, each used once.
    pool = [f for f in files if f[0].rsplit("/", 1)[0] not in gone]
    rnd.shuffle(pool)
    small = [f for f in pool if f[1] <= 65536]
    big = [f for f in pool if f[1] > 65536]
    used = set()

    def take(lst):
        while lst:
            p = lst.pop()[0]
            if p not in used:
                used.add(p)
                return p
        sys.exit("gen_edits.py: not enough files in the listing")

    out = ["# gen_edits.py --edits %d --seed %d" % (n, a.seed),
           "mkdir -p /bench/new /bench/moved /bench/copied /bench/links"]
    ops = []
    for k, c in counts.items():
        ops += [k] * c
    rnd.shuffle(ops)
    for i, op in enumerate(ops):
        if op == "chmod":
            out.append("chmod %s %s" % (rnd.choice(["0600", "0755", "0640", "0444",
                                                    "4755"]), q(take(pool))))
        elif op == "chown":
            out.append("chown %d:%d %s" % (rnd.randrange(1000, 1100),
                                           rnd.randrange(1000, 1100), q(take(pool))))
        elif op == "touch":
            out.append("touch -d @%d %s" % (1700000000 + i, q(take(pool))))
        elif op == "write_new":
            out.append("write -m 0644 /bench/new/file%04d 'generated file %d'" % (i, i))
        elif op == "overwrite":
            out.append("write %s 'overwritten by edit %d'" % (q(take(small)), i))
        elif op == "append":
            out.append("append %s '# appended by edit %d'" % (q(take(small)), i))
        elif op == "mkdir":
            out.append("mkdir -p /bench/tree/d%04d/sub/leaf" % i)
        elif op == "rm":
            out.append("rm -f %s" % q(take(pool)))
        elif op == "rmdir":
            out.append("rm -rf %s" % q(gone.pop()))
        elif op == "mv":
            out.append("mv %s /bench/moved/m%04d" % (q(take(pool)), i))
        elif op == "cp":
            out.append("cp -a %s /bench/copied/c%04d" % (q(take(big or small)), i))
        elif op == "ln":
            out.append("ln -s %s /bench/links/l%04d" % (q(take(pool)), i))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
