#!/usr/bin/env python3
"""mkbad.py DIR -- write malformed layer files into DIR, one per case, for
tests/cli/flatten_errors.sh. Python 3 stdlib only: tarfile for the well-formed
parts, then byte surgery. Every file is deterministic.

  truncated.tar        a tar cut in the middle of its third header block
  truncated-data.tar   a tar cut in the middle of its last file's data
  size-beyond.tar      the last header declares 4096 bytes; 100 follow, then EOF
  bad-checksum.tar     the second header's checksum field is wrong
  not-a-tar.tar        plain text
  corrupt.tar.gz       a gzip header followed by an invalid deflate block
                       (BTYPE 11, reserved: RFC 1951 3.2.3)
  truncated.tar.gz     a valid .tar.gz cut in half
  truncated.tar.zst    a valid .tar.zst cut in half (needs the zstd CLI;
                       skipped when it is missing)
  hardlink-missing.tar a hard link whose target is in no layer
  dotdot.tar           an entry named '../evil'
  dotdot-inner.tar     an entry named 'usr/../../evil'
  bare-wh.tar          a whiteout with an empty name: 'etc/.wh.'
"""
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile

T = 1700000000


def member(name, data=b"", type_=tarfile.REGTYPE, mode=0o644, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.mode = mode
    ti.mtime = T
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    ti.linkname = linkname
    ti.size = len(data) if type_ == tarfile.REGTYPE else 0
    return ti, (io.BytesIO(data) if type_ == tarfile.REGTYPE else None)


def tar_of(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for ti, f in members:
            tf.addfile(ti, f)
    return buf.getvalue()


def good():
    return tar_of([
        member("etc", type_=tarfile.DIRTYPE, mode=0o755),
        member("etc/hostname", b"sample\n"),
        member("etc/hosts", b"127.0.0.1 localhost\n" * 20),
    ])


def main(out):
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    # ustar only here, so that header offsets are simple: 512-byte headers,
    # data padded to 512.
    ustar = tar_of([
        member("etc", type_=tarfile.DIRTYPE, mode=0o755),
        member("etc/hostname", b"sample\n"),
        member("etc/hosts", b"127.0.0.1 localhost\n" * 20),
    ], fmt=tarfile.USTAR_FORMAT)
    # header etc/ at 0, header etc/hostname at 512, its data at 1024,
    # header etc/hosts at 1536
    put("truncated.tar", ustar[:512 + 512 + 512 + 200])
    # etc/hosts' data (400 bytes) starts at 2048: cut inside it
    put("truncated-data.tar", ustar[:2048 + 100])

    hdr = bytearray(member("etc/big", b"x" * 4096)[0].tobuf(tarfile.USTAR_FORMAT))
    put("size-beyond.tar", ustar[:1536] + bytes(hdr) + b"x" * 100)

    bad = bytearray(ustar)
    chk = bytes(bad[512 + 148:512 + 156])
    # an octal checksum off by one in its last digit still parses as octal
    digits = chk.rstrip(b"\0 ")
    last = digits[-1:]
    newlast = b"1" if last != b"1" else b"2"
    bad[512 + 148:512 + 148 + len(digits)] = digits[:-1] + newlast
    put("bad-checksum.tar", bytes(bad))

    put("not-a-tar.tar", b"this is not a tar archive, just some text\n" * 40)

    # gzip member header (RFC 1952): magic, CM=8, no flags, mtime 0, XFL 0,
    # OS 3; then a deflate block with BFINAL=1 BTYPE=11 (reserved).
    put("corrupt.tar.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64)
    gz = gzip.compress(good(), compresslevel=9, mtime=0)
    put("truncated.tar.gz", gz[:len(gz) // 2])

    if shutil.which("zstd"):
        zst = subprocess.run(["zstd", "-q", "-19", "-c"], input=good() + bytes(range(256)) * 64,
                             stdout=subprocess.PIPE, check=True).stdout
        put("truncated.tar.zst", zst[:len(zst) // 2])

    put("hardlink-missing.tar", tar_of([
        member("etc", type_=tarfile.DIRTYPE, mode=0o755),
        member("etc/link", type_=tarfile.LNKTYPE, linkname="etc/missing"),
    ]))
    put("dotdot.tar", tar_of([
        member("etc", type_=tarfile.DIRTYPE, mode=0o755),
        member("../evil", b"escaped\n"),
    ]))
    put("dotdot-inner.tar", tar_of([
        member("usr", type_=tarfile.DIRTYPE, mode=0o755),
        member("usr/../../evil", b"escaped\n"),
    ]))
    put("bare-wh.tar", tar_of([
        member("etc", type_=tarfile.DIRTYPE, mode=0o755),
        member("etc/.wh."),
    ]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
