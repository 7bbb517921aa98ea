#!/usr/bin/env python3
"""mkoci.py [--multi] DIR TAG LAYER... -- an OCI image layout from layer files.

--multi: TAG names a nested index of three manifests: linux/amd64 (the
layers), linux/arm64/v8 (the first layer alone) and an attestation
manifest (platform unknown/unknown, one in-toto layer), as BuildKit
writes multi-platform images.

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


def manifest(d, layers, arch):
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
    cfg = {"created": "2023-01-01T00:00:00Z", "architecture": arch, "os": "linux",
           "config": {"Env": ["PATH=/usr/bin:/bin", "LANG=C"],
                      "Cmd": ["/bin/sh"], "Labels": {"org.example.a": "1"}},
           "rootfs": {"type": "layers", "diff_ids": ids}, "history": hist}
    cb = json.dumps(cfg, separators=(",", ":")).encode()
    man = {"schemaVersion": 2, "mediaType": MT_MAN,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "digest": put(d, cb), "size": len(cb)},
           "layers": descs}
    mb = json.dumps(man, separators=(",", ":")).encode()
    return {"mediaType": MT_MAN, "digest": put(d, mb), "size": len(mb),
            "platform": {"architecture": arch, "os": "linux"}}


MT_MAN = "application/vnd.oci.image.manifest.v1+json"
MT_IDX = "application/vnd.oci.image.index.v1+json"


def attestation(d, subject):
    body = json.dumps({"_type": "https://in-toto.io/Statement/v0.1"}).encode()
    cb = b"{}"
    man = {"schemaVersion": 2, "mediaType": MT_MAN,
           "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                      "digest": put(d, cb), "size": len(cb)},
           "layers": [{"mediaType": "application/vnd.in-toto+json",
                       "digest": put(d, body), "size": len(body)}]}
    mb = json.dumps(man, separators=(",", ":")).encode()
    return {"mediaType": MT_MAN, "digest": put(d, mb), "size": len(mb),
            "platform": {"architecture": "unknown", "os": "unknown"},
            "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                            "vnd.docker.reference.digest": subject}}


def main(argv):
    multi = argv[1] == "--multi"
    if multi:
        argv = argv[1:]
    d, tag, layers = argv[1], argv[2], argv[3:]
    os.makedirs(os.path.join(d, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(d, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    top = manifest(d, layers, "amd64")
    if multi:
        arm = manifest(d, layers[:1], "arm64")
        arm["platform"]["variant"] = "v8"
        nested = {"schemaVersion": 2, "mediaType": MT_IDX,
                  "manifests": [top, arm, attestation(d, top["digest"])]}
        nb = json.dumps(nested, separators=(",", ":")).encode()
        top = {"mediaType": MT_IDX, "digest": put(d, nb), "size": len(nb)}
    ip = os.path.join(d, "index.json")
    index = json.load(open(ip)) if os.path.exists(ip) else {
        "schemaVersion": 2, "mediaType": MT_IDX, "manifests": []}
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    index["manifests"].append(top)
    with open(ip, "w") as f:
        json.dump(index, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv)
