#!/usr/bin/env python3
"""mkseeds.py DIR -- the seed corpora of the fuzz targets (tests/fuzz), one
folder per target: DIR/layer (the sample's layers and every malformed case
of tests/malformed/mkmalformed.py and tests/cli/lib/mkbad.py, up to 256 KiB),
DIR/stack (pairs of them behind fuzz_stack's 4-byte header), DIR/script (the
script of tests/cli/lib/build.sh's make_edit, split into pieces, and a few
more). Python 3 stdlib only; deterministic.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MAXLEN = 256 << 10

SCRIPTS = [
    b"mkdir -p /a/b/c\nwrite /a/b/c/f hello\nln -s ../b /a/b/c/l\n"
    b"cp -r /a /z\nmv /z /y\nrm -rf /a\n",
    b"touch -d 2000-01-01 /etc/passwd\nchmod 4755 /bin/busybox\n"
    b"chown -h 1:2 /bin/sh\nsetxattr /etc user.x v\nrmxattr /etc user.x\n",
    b"truncate -s 4096 /etc/hosts\nappend /etc/hosts <<E\nx\nE\n"
    b"mknod /dev/n c 1 3\nmknod -m 600 /p p\nrmdir /home\n",
    b"write /w 'q\"\\x41\\n'\nln /w /w2\nln -sf /nowhere /w\n# comment\n",
]


def layer_seeds():
    seeds = {}
    sample = os.path.join(REPO, "testdata", "sample")
    for n in sorted(os.listdir(sample)):
        if n.startswith("layer"):
            seeds["sample-" + n] = open(os.path.join(sample, n), "rb").read()
    with tempfile.TemporaryDirectory() as tmp:
        for gen, sub in (("tests/malformed/mkmalformed.py", "mal"),
                         ("tests/cli/lib/mkbad.py", "bad"),
                         ("tests/cli/lib/mklayers.py", "ok")):
            out = os.path.join(tmp, sub)
            subprocess.run([sys.executable, os.path.join(REPO, gen), out],
                           check=True, stdout=subprocess.DEVNULL)
            for root, _, files in os.walk(out):
                for n in sorted(files):
                    p = os.path.join(root, n)
                    data = open(p, "rb").read()
                    if n != "cases" and len(data) <= MAXLEN:
                        rel = os.path.relpath(p, out).replace("/", "-")
                        seeds[sub + "-" + rel] = data
    return seeds


def script_seeds():
    text = open(os.path.join(REPO, "tests/cli/lib/build.sh")).read()
    m = re.search(r"cat >edit.ots <<'SCRIPT'\n(.*?)\nSCRIPT\n", text, re.S)
    seeds = {"edit.ots": m.group(1).encode() if m else b""}
    if m:   # pieces of it, a few lines each
        lines = m.group(1).encode().split(b"\n")
        for i in range(0, len(lines), 6):
            seeds["edit-%02d" % i] = b"\n".join(lines[i:i + 6]) + b"\n"
    for i, s in enumerate(SCRIPTS):
        seeds["script-%d" % i] = s
    return seeds


def put(d, seeds):
    os.makedirs(d, exist_ok=True)
    for n, data in seeds.items():
        with open(os.path.join(d, n), "wb") as f:
            f.write(data)


def main(out):
    layers = layer_seeds()
    put(os.path.join(out, "layer"), layers)
    names = sorted(layers)
    pairs = {}
    base = [n for n in names if n.startswith(("sample-", "ok-"))]
    for i, a in enumerate(base):
        for b in base[i + 1:]:
            if a.startswith("ok-") and b.startswith("ok-") and \
                    a.split("-")[1] != b.split("-")[1]:
                continue
            pairs["%s+%s" % (a, b)] = struct.pack("<I", len(layers[a])) + \
                layers[a] + layers[b]
    for n in names:
        if n.startswith(("mal-", "bad-")):
            a = "sample-layer1.tar"
            pairs["%s+%s" % (a, n)] = struct.pack("<I", len(layers[a])) + \
                layers[a] + layers[n]
    put(os.path.join(out, "stack"), pairs)
    put(os.path.join(out, "script"), script_seeds())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
