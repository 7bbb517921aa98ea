#!/usr/bin/env python3
"""mkoci.py DIR TAG LAYER... -- an OCI image layout from layer files.

Each layer goes in as it is (plain, .gz or .zst: the blob is the file, its
media type from its first bytes, its diff_id the sha256 of the tar inside),
base first. The config has Env, Cmd, Labels and one history entry per layer
with a fixed created time, so the same layers give the same image. DIR may
already be a layout: the manifest is added under TAG. Python 3 standard
library and the zstd tool only.
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys


def put(d, data):
    h = hashlib.sha256(data).hexdigest()
    p = os.path.join(d, "blobs", "sha256", h)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
    return "sha256:" + h


def main(argv):
    d, tag, layers = argv[1], argv[2], argv[3:]
    os.makedirs(os.path.join(d, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(d, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    descs, ids, hist = [], [], []
    for i, path in enumerate(layers):
        blob = open(path, "rb").read()
        if blob[:2] == b"\x1f\x8b":
            tar, mt = gzip.decompress(blob), "tar+gzip"
        elif blob[:4] == b"\x28\xb5\x2f\xfd":
            tar = subprocess.run(["zstd", "-dc"], input=blob, check=True,
                                 capture_output=True).stdout
            mt = "tar+zstd"
        else:
            tar, mt = blob, "tar"
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1." + mt,
                      "digest": put(d, blob), "size": len(blob)})
        ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
        hist.append({"created": "2023-01-01T00:00:00Z",
                     "created_by": "layer %d (%s)" % (i + 1, os.path.basename(path))})
    cfg = {"created": "2023-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
           "config": {"Env": ["PATH=/usr/bin:/bin", "LANG=C"],
                      "Cmd": ["/bin/sh"], "Labels": {"org.example.a": "1"}},
           "rootfs": {"type": "layers", "diff_ids": ids}, "history": hist}
    cb = json.dumps(cfg, separators=(",", ":")).encode()
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "digest": put(d, cb), "size": len(cb)},
           "layers": descs}
    mb = json.dumps(man, separators=(",", ":")).encode()
    ip = os.path.join(d, "index.json")
    index = json.load(open(ip)) if os.path.exists(ip) else {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": []}
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
    index["manifests"].append({"mediaType": man["mediaType"], "digest": put(d, mb),
                               "size": len(mb),
                               "platform": {"architecture": "amd64", "os": "linux"},
                               "annotations": {"org.opencontainers.image.ref.name": tag}})
    with open(ip, "w") as f:
        json.dump(index, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv)
