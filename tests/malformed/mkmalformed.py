#!/usr/bin/env python3
"""mkmalformed.py DIR -- write the malformed-archive suite into DIR: one layer
file per case and DIR/cases, the expected outcome of each, one per line:

  NAME<TAB>error<TAB>SUBSTRING      overtar fails (exit 1, one line naming
                                    the layer) with SUBSTRING in the message
  NAME<TAB>ok<TAB>CHECK             overtar flattens it; CHECK is a check of
                                    the output for check.py (see there)

An optional third column "opts=--flag=value" passes options to overtar.
Used by tests/cli/malformed_archives.sh; python 3 stdlib only (plus the xz,
bzip2 and zstd of python/the zstd CLI for the compressed cases; the zstd
cases are left out when the CLI is missing). Every file is deterministic.
"""
import bz2
import gzip
import io
import lzma
import os
import shutil
import subprocess
import sys
import tarfile

T = 1700000000
CASES = []


def member(name, data=b"", type_=tarfile.REGTYPE, mode=0o644, linkname="",
           pax=None, uid=0, gid=0, mtime=T):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.mode = mode
    ti.mtime = mtime
    ti.uid, ti.gid = uid, gid
    ti.uname = ti.gname = "root"
    ti.linkname = linkname
    ti.size = len(data) if type_ == tarfile.REGTYPE else 0
    if pax:
        ti.pax_headers = pax
    return ti, (io.BytesIO(data) if type_ == tarfile.REGTYPE else None)


# The tar assembler of the flatten error tests serves here too.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "cli", "lib"))
from mkbad import tar_of  # noqa: E402


def d(name):
    return member(name, type_=tarfile.DIRTYPE, mode=0o755)


def good():
    return tar_of([d("etc"), member("etc/hostname", b"sample\n"),
                   member("etc/hosts", b"127.0.0.1 localhost\n" * 20)])


def pax_record(key, value):
    """One pax record "LEN KEY=VALUE\\n" (bytes), LEN counting itself."""
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n).encode()) + len(body) != n:
        n = len(str(n).encode()) + len(body)
    return str(n).encode() + body


def raw_pax(records, name, data=b"", type_=b"0", body=None):
    """A pax 'x' header with the given records (or raw body), then a ustar
    entry."""
    if body is None:
        body = b"".join(pax_record(k, v) for k, v in records)
    xh = tarfile.TarInfo("PaxHeaders/" + name[-80:])
    xh.type = tarfile.XHDTYPE
    xh.size = len(body)
    xh.mtime = T
    out = xh.tobuf(tarfile.USTAR_FORMAT) + body + b"\0" * (-len(body) % 512)
    ti, _ = member(name, data)
    ti.type = type_
    if type_ != b"0":
        ti.size = 0
    out += ti.tobuf(tarfile.USTAR_FORMAT)
    if type_ == b"0":
        out += data + b"\0" * (-len(data) % 512)
    return out + b"\0" * 1024


def case(name, data, outcome, detail, opts=""):
    CASES.append((name, data, outcome, detail, opts))


def build():
    g = good()
    ustar = tar_of([d("etc"), member("etc/hostname", b"sample\n"),
                    member("etc/hosts", b"127.0.0.1 localhost\n" * 20)],
                   fmt=tarfile.USTAR_FORMAT)
    # Truncations and damage.
    case("truncated-header.tar", ustar[:512 * 3 + 200], "error",
         "Truncated tar archive")
    case("truncated-data.tar", ustar[:2048 + 100], "error", "truncated")
    # umoci 0.4.7 insert: the archive stops right after the last entry's
    # data, without its padding or the end-of-archive blocks; umoci and
    # containers-storage read it. Data cut short stays refused.
    unpadded = ustar[:512 * 4 + 400]
    case("unpadded-end.tar", unpadded, "ok", "size etc/hosts 400")
    case("unpadded-end-partial.tar", unpadded + b"\0" * 50, "ok",
         "size etc/hosts 400")
    case("unpadded-end.tar.gz", gzip.compress(unpadded, 9, mtime=0), "ok",
         "size etc/hosts 400")
    case("unpadded-cut.tar.gz", gzip.compress(unpadded[:-1], 9, mtime=0),
         "error", "Truncated tar archive")
    case("unpadded-cut.tar", unpadded[:-1], "error", "truncated")
    bad = bytearray(ustar)
    bad[512 + 148:512 + 156] = b"0000001\0"
    case("bad-checksum.tar", bytes(bad), "error", "Damaged tar archive")
    case("empty.tar", b"", "error", "empty layer")
    case("not-a-tar.tar", b"hello, this is no tar\n" * 50, "error",
         "not a tar archive")
    case("end-blocks-only.tar", b"\0" * 10240, "ok", "entries 0")
    # Compressed streams: corrupt, truncated, not a tar inside.
    gz = gzip.compress(g, 9, mtime=0)
    case("truncated.tar.gz", gz[:len(gz) // 2], "error", "")
    case("corrupt.tar.gz", gz[:10] + b"\xff" * 64, "error", "")
    badcrc = bytearray(gz)
    badcrc[-8] ^= 0xff
    # The gzip trailer (CRC-32, ISIZE) is checked, as gzip -t and Go's
    # gzip reader check it, even where the tar ends before the member does.
    case("bad-crc.tar.gz", bytes(badcrc), "error",
         "gzip trailer does not match the data (CRC-32 or size)")
    # RFC 1952 2.2: a gzip file is a series of members; bytes after the
    # last that begin no member are ignored (gzip(1), libarchive).
    case("two-members.tar.gz", gzip.compress(g[:1000], 9, mtime=0) +
         gzip.compress(g[1000:], 9, mtime=0), "ok", "file etc/hosts")
    case("garbage-after.tar.gz", gz + b"not gzip\n", "ok", "file etc/hosts")
    # The trailer of a member past the tar's end is checked too.
    late = gzip.compress(g + b"\0" * 65536, 9, mtime=0)
    late = late[:-8] + bytes([late[-8] ^ 0xff]) + late[-7:]
    case("bad-crc-after-end.tar.gz", late, "error",
         "gzip trailer does not match the data (CRC-32 or size)")
    case("truncated-after-end.tar.gz", gzip.compress(g + b"\0" * 65536, 9,
                                                     mtime=0)[:-4],
         "error", "truncated gzip input")
    case("not-a-tar.gz", gzip.compress(b"plain text\n" * 100, 9, mtime=0),
         "error", "not a tar archive")
    case("empty.gz", gzip.compress(b"", 9, mtime=0), "error", "")
    xz = lzma.compress(g)
    case("truncated.tar.xz", xz[:len(xz) // 2], "error", "")
    cxz = bytearray(xz)
    for i in range(len(cxz) // 3, len(cxz) // 3 + 32):
        cxz[i] ^= 0x5a
    case("corrupt.tar.xz", bytes(cxz), "error", "")
    bz = bz2.compress(g)
    case("truncated.tar.bz2", bz[:len(bz) // 2], "error", "")
    if shutil.which("zstd"):
        zst = subprocess.run(["zstd", "-q", "-19", "-c"],
                             input=g + bytes(range(256)) * 64,
                             stdout=subprocess.PIPE, check=True).stdout
        case("truncated.tar.zst", zst[:len(zst) // 2], "error", "")
        czst = bytearray(zst)
        for i in range(len(czst) // 2, len(czst) // 2 + 16):
            czst[i] ^= 0xa5
        case("corrupt.tar.zst", bytes(czst), "error", "")
    # Names.
    case("dotdot.tar", tar_of([member("../evil", b"x\n")]), "error",
         "climbs out of the root")
    case("dotdot-inner.tar", tar_of([member("a/../../evil", b"x\n")]),
         "error", "climbs out of the root")
    case("dotdot-inside.tar", tar_of([member("a/./../x", b"x\n")]),
         "error", "name contains '..'")
    case("dotdot-link.tar", tar_of([
        member("etc/passwd", b"root\n"),
        member("etc/link", type_=tarfile.LNKTYPE, linkname="../etc/passwd")]),
        "error", "hard link target climbs out of the root")
    case("absolute.tar", tar_of([member("/etc/abs", b"abs\n")]), "ok",
         "file etc/abs")
    case("absolute-link.tar", tar_of([
        member("etc/passwd", b"root\n"),
        member("etc/link", type_=tarfile.LNKTYPE, linkname="/etc/passwd")]),
        "ok", "link etc/link etc/passwd")
    case("symlink-escape.tar", tar_of([
        member("etc/esc", type_=tarfile.SYMTYPE,
               linkname="../../../../etc/shadow")]), "ok",
         "symlink etc/esc ../../../../etc/shadow")
    case("through-symlink.tar", tar_of([
        member("lnk", type_=tarfile.SYMTYPE, linkname="/tmp"),
        member("lnk/evil", b"x\n")]), "error", "'lnk' is not a directory")
    # Hard links.
    case("hardlink-missing.tar", tar_of([
        member("etc/link", type_=tarfile.LNKTYPE, linkname="etc/missing")]),
        "error", "hard link target 'etc/missing' not found")
    case("hardlink-dir.tar", tar_of([
        d("etc"), member("etc/link", type_=tarfile.LNKTYPE, linkname="etc")]),
        "error", "is a directory")
    case("hardlink-self.tar", tar_of([
        member("etc/self", type_=tarfile.LNKTYPE, linkname="etc/self")]),
        "error", "is the entry itself")
    case("hardlink-later.tar", tar_of([
        member("etc/link", type_=tarfile.LNKTYPE, linkname="etc/later"),
        member("etc/later", b"x\n")]), "error", "not found")
    # Whiteouts.
    case("wh-bare.tar", tar_of([d("etc"), member("etc/.wh.")]), "error",
         "invalid whiteout")
    case("wh-dot.tar", tar_of([d("etc"), member("etc/.wh..")]), "error",
         "invalid whiteout")
    case("wh-dotdot.tar", tar_of([d("etc"), member("etc/.wh...")]), "error",
         "invalid whiteout")
    case("wh-reserved.tar", tar_of([d("etc"), member("etc/.wh..wh.plnk")]),
         "error", "invalid whiteout")
    case("wh-as-dir.tar", tar_of([member(".wh.etc/x", b"x\n")]), "error",
         "invalid whiteout")
    case("wh-own-layer.tar", tar_of([member("etc/x", b"x\n"),
                                     member("etc/.wh.x")]),
         "ok", "file etc/x")
    # pax records.
    # A pax number is read as libarchive reads it: its leading digits
    # ("12abc" is 12, "1e9" is 1); a size so read is still checked against
    # the file, and a bad record is an error (pax-bad-length).
    case("pax-bad-size.tar", raw_pax([(b"size", b"12abc")], "f", b"x"),
         "ok", "size f 12")
    case("pax-bad-mtime.tar", raw_pax([(b"mtime", b"1e9")], "f", b"x"),
         "ok", "mtime f 1")
    case("pax-bad-uid.tar", raw_pax([(b"uid", b"-5")], "f", b"x"), "error",
         "")
    case("pax-bad-length.tar", raw_pax([], "f", b"x",
                                       body=b"99 comment=c\n"), "error", "")
    case("pax-no-equals.tar", raw_pax([], "f", b"x", body=b"9 comment\n"),
         "error", "")
    case("huge-uid.tar", tar_of([member("f", b"x\n", uid=1 << 40)]),
         "error", "uid 1099511627776 out of range")
    case("uid-minus-one.tar", tar_of([member("f", b"x\n", uid=4294967295)]),
         "error", "uid 4294967295 out of range")
    case("huge-gid.tar", tar_of([member("f", b"x\n", gid=1 << 33)]),
         "error", "gid 8589934592 out of range")
    case("negative-mtime.tar", tar_of([member("f", b"x\n", mtime=-86400)]),
         "ok", "mtime f -86400")
    case("nul-in-pax-path.tar", raw_pax([(b"path", b"etc/a\0b")], "x",
                                        b"x"), "ok", "file etc/a")
    # xattr names: only a namespace, a NUL inside (issue 14, point 3)
    case("xattr-bare-namespace.tar", raw_pax(
        [(b"SCHILY.xattr.user.", b"v")], "f", b"x"), "error",
        "entry 'f': invalid xattr name 'user.'")
    case("xattr-nul-name.tar", raw_pax(
        [(b"SCHILY.xattr.user.a\0b", b"v")], "f", b"x"), "error",
        "Invalid pax extended attributes")
    # one limit shared with the writer: 12 values of 64 KiB pass it
    case("xattrs-past-total.tar", raw_pax(
        [(b"SCHILY.xattr.user.%02d" % i, b"v" * 65536) for i in range(12)],
        "f", b"x"), "error", "entry 'f': xattrs too large")
    case("absurd-size.tar", raw_pax([(b"size", b"9223372036854775000")],
                                    "f", b""), "error", "truncated")
    case("absurd-size.tar.gz", gzip.compress(raw_pax(
        [(b"size", b"9223372036854775000")], "f", b""), 9, mtime=0),
        "error", "")
    case("sparse-huge.tar", raw_pax([
        (b"GNU.sparse.size", b"1125899906842624"),
        (b"GNU.sparse.map", b"0,512")], "f", b"s" * 512), "error",
        "decompressed or sparse content")
    case("big-pax.tar", tar_of([member("f", b"x\n", pax={
        "comment": "c" * (2 << 20)})]), "error", "")
    # Same name twice in one layer: the later entry wins (OCI changesets).
    case("file-then-dir.tar", tar_of([member("x", b"x\n"), d("x"),
                                      member("x/y", b"y\n")]),
         "ok", "file x/y")
    case("dir-then-file.tar", tar_of([d("x"), member("x/y", b"y\n"),
                                      member("x", b"x\n")]),
         "ok", "file x")
    # Limits.
    deep = "/".join(["d"] * 5000) + "/f"
    case("deep-path.tar", tar_of([member(deep, b"x\n")]), "error",
         "deeper than 4096 components")
    case("deep-path-limit.tar", tar_of([member("a/b/c/d/e/f", b"x\n")]),
         "error", "deeper than 3 components", "--max-path-depth=3")
    case("long-path.tar", tar_of([member("/".join(["p" * 200] * 400),
                                         b"x\n")]),
         "error", "longer than 65536 bytes")
    case("long-component.tar", tar_of([member("a" * 300, b"x\n")]), "error",
         "component over 255 bytes")
    many = tar_of([member("m/%05d" % i) for i in range(3000)])
    case("many-entries.tar.gz", gzip.compress(many, 9, mtime=0), "error",
         "more than 1000 entries", "--max-entries=1000")
    case("many-entries-ok.tar.gz", gzip.compress(many, 9, mtime=0), "ok",
         "entries 3001")


def main(out):
    build()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases"), "w") as f:
        for name, data, outcome, detail, opts in CASES:
            with open(os.path.join(out, name), "wb") as g:
                g.write(data)
            f.write("%s\t%s\t%s\t%s\n" % (name, outcome, detail, opts))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
