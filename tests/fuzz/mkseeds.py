#!/usr/bin/env python3
"""mkseeds.py DIR -- the seed corpora of the fuzz targets (tests/fuzz), one
folder per target: DIR/layer (the sample's layers and every malformed case
of tests/malformed/mkmalformed.py and tests/cli/lib/mkbad.py, up to 256 KiB),
DIR/stack (pairs of them behind fuzz_stack's 4-byte header), DIR/script (the
script of tests/cli/lib/build.sh's make_edit, split into pieces, and a few
more), DIR/image (the documents of a good image behind fuzz_image's selector
byte, and broken ones). Python 3 stdlib only; deterministic.
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


def ustar(name, size):
    """The ustar header fuzz_image.c writes (member(), make_layer())."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:107] = b"0000644"
    h[108:115] = b"0000000"
    h[116:123] = b"0000000"
    h[124:135] = b"%011o" % size
    h[136:147] = b"00000000000"
    h[156] = ord("0")
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:155] = b"%06o\0" % sum(h)
    return bytes(h)


def image_seeds():
    """fuzz_image: the documents of a good image, behind their selector
    byte (0 index.json, 1 manifest, 2 config, 3 docker manifest.json),
    and a few broken ones."""
    import hashlib
    import json
    layer = ustar("f", 2) + b"x\n" + b"\0" * 510 + b"\0" * 512
    dg = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
    cfg = ('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers",'
           '"diff_ids":["%s"]}}' % dg(layer)).encode()
    man = ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.'
           'manifest.v1+json","config":{"mediaType":"application/vnd.oci.'
           'image.config.v1+json","digest":"%s","size":%d},"layers":[{'
           '"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":'
           '"%s","size":%d}]}' % (dg(cfg), len(cfg), dg(layer),
                                  len(layer))).encode()
    idx = ('{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.'
           'oci.image.manifest.v1+json","digest":"%s","size":%d,'
           '"annotations":{"org.opencontainers.image.ref.name":"t"}}]}' %
           (dg(man), len(man))).encode()
    dman = json.dumps([{"Config": "c.json", "RepoTags": ["a:b"],
                        "Layers": ["l.tar"]}]).encode()
    seeds = {"index": b"\0" + idx, "manifest": b"\1" + man,
             "config": b"\2" + cfg, "docker": b"\3" + dman}
    for k, doc in enumerate((idx, man, cfg, dman)):
        seeds["cut-%d" % k] = bytes([k]) + doc[:len(doc) // 2]
        seeds["empty-%d" % k] = bytes([k])
        seeds["array-%d" % k] = bytes([k]) + b"[" * 64
    seeds["docker-many"] = b"\3" + json.dumps(
        [{"Config": "c.json", "Layers": ["l.tar"] * 300}]).encode()
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
    put(os.path.join(out, "image"), image_seeds())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
