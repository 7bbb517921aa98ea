#!/usr/bin/env python3
"""mkbomb.py SIZE OUT [FILES] [FILL] -- a compression bomb: a gzip'd tar
(OUT) of FILES files (default 1) of SIZE bytes in all, of FILL bytes
(default zeros; 'A' for a byte that is not a hole). SIZE takes a K, M or G
suffix (powers of 1024). Streamed: memory stays small whatever SIZE is.

  mkbomb.py 4G bomb.tar.gz           one 4 GiB file of zeros (about 4 MiB)
  mkbomb.py 4G many.tar.gz 4096      4096 files of 1 MiB
  mkbomb.py 64M a.tar.gz 1 A         64 MiB of 'A'

Python 3 stdlib only; the output is deterministic.
"""
import sys
import tarfile
import zlib

CHUNK = 1 << 20


def size_of(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:].upper())
    return int(s[:-1]) * mult if mult else int(s)


def header(name, size):
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mode = 0o644
    ti.mtime = 1700000000
    ti.uname = ti.gname = "root"
    return ti.tobuf(tarfile.PAX_FORMAT)


def main(argv):
    if len(argv) not in (3, 4, 5):
        sys.exit(__doc__)
    total, out = size_of(argv[1]), argv[2]
    files = int(argv[3]) if len(argv) > 3 else 1
    fill = argv[4].encode()[:1] if len(argv) > 4 else b"\0"
    each = total // files
    chunk = fill * CHUNK
    # gzip framing by hand (RFC 1952): wbits 31 writes header and trailer
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(out, "wb") as f:
        for i in range(files):
            f.write(z.compress(header("bomb/%06d" % i, each)))
            left = each
            while left:
                n = min(left, CHUNK)
                f.write(z.compress(chunk[:n]))
                left -= n
            f.write(z.compress(b"\0" * (-each % 512)))
        f.write(z.compress(b"\0" * 1024))
        f.write(z.flush())


if __name__ == "__main__":
    main(sys.argv)
