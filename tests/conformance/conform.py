#!/usr/bin/env python3
"""conform.py -- generated cases through a kernel overlayfs mount and overtar.

Usage:
  conform.py [-j JOBS] [--keep DIR] [--min-ran P] OVERTAR --seeds N [--start S]
  conform.py [--keep DIR] OVERTAR --case FILE.json...   explicit cases
  conform.py [--keep DIR] OVERTAR --replay SEED         one seed, verbose
  conform.py [--keep DIR] OVERTAR --shrink SEED|FILE.json
                                  reduce a failing case (drop layers, entries,
                                  commands while it still fails); writes
                                  DIR/min-SEED/case.json

Each case (gen.py) is run three ways and compared, entry by entry (the
canonical listing of canonical-list.py, plus each entry's mtime):

  1. `overtar flatten LAYERS` against the kernel's mount of the stack;
  2. `overtar build -f script.ots --emit flat` against the same mount after
     the script's commands ran in it (coreutils, in a chroot of the mount);
  3. the layer of `overtar build --emit layer`, stacked on the inputs by the
     kernel, against that edited mount;
and error parity: when a command fails in the kernel (its exit status is not
0), overtar must fail at that same line, with exit status 1, no output and
the same errno class (errno_class() of both messages); comparisons 2 and 3
then use the script cut before that line. Last it prints the share of
commands that ran in the kernel; --min-ran P fails a run below P %.

The oracle. Each layer is extracted by GNU tar into its own directory and its
OCI whiteouts are turned into overlayfs ones (lib/oci2ovl.py); the stack is
mounted with an upper directory and Docker overlay2's options (index=off,
redirect_dir=off, metacopy=off, xino=off). Under the layers lie two more
lower directories that add only /.oracle: the host's coreutils, setfattr and
their libraries (run as /.oracle/ld.so --library-path /.oracle/lib
/.oracle/bin/CMD inside chroot(MNT), so that absolute symlinks and `..`
resolve inside the image root exactly as the language says) and the case's
copy-in inputs (/.oracle/in). /.oracle is never named by a generated case and
is left out of every listing. write and append are open(2) with O_CREAT and
O_TRUNC or O_APPEND in the chroot (what a shell's > and >> do), umask 0 and
mode 0644 or -m; mkdir, touch, truncate and mknod run under umask 022 (the
language's 0755 and 0644 defaults); cp, mv and copy-in under umask 0 (the
language has no umask).

Times: overtar runs with --mtime 4000000000 (no generated time is that late,
so nothing is clamped) and stamps that on what the script changes; the kernel
stamps its clock. Both are shown as NOW in the mtime listings: a kernel mtime
at or after the start of the case, or overtar's 4000000000.000000000. Every
other mtime (from the layers, from touch -d) must be equal to the nanosecond.

A case whose command blocks (a fifo) or opens a device node (the mount has
nodev, so that no generated device reaches the host) is "undefined": the
language leaves it open; such cases are counted apart, not as passed.

A failing case is kept in KEEP/fail-SEED (default /tmp/overtar-conformance):
layers, script, case.json, both listings and their diff. Prints one line per
case and, last, "N passed, M failed". Exit 0 if all passed, 1 if not, 77 if
overlay mounts are impossible here (with "SKIP: reason"), as a probe mount
decides before the first case; a mount that fails later fails its case
(MountError), and the cases already counted stay.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

EPOCH = 4000000000
TOOLS = ["bash", "mkdir", "cp", "mv", "rm", "rmdir", "ln", "chmod", "chown", "touch",
         "truncate", "mknod", "setfattr"]
# nodev: a generated device node (8,1 ...) must never reach a host disk.
MOUNT_OPTS = "index=off,redirect_dir=off,metacopy=off,xino=off,nodev"
CMD_TIMEOUT = 10


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


CANON = os.environ.get("CANON") or os.path.join(HERE, "../../../shared/bench/canonical-list.py")
canon = load("canon", CANON)
oci2ovl = load("oci2ovl", os.path.join(HERE, "lib/oci2ovl.py"))


class Skip(Exception):
    pass


class CaseError(Exception):
    """The oracle itself broke (not a difference)."""


class MountError(CaseError):
    """A kernel mount failed."""


class Undefined(Exception):
    """The language leaves the case open: a command blocked on a fifo or
    opened a device node (the oracle mounts with nodev)."""


# ---------------------------------------------------------------- the tools
def make_tools(root):
    """root/.oracle/{ld.so,lib/,bin/}: host binaries runnable in a chroot."""
    o = os.path.join(root, ".oracle")
    ready = os.path.join(o, "ready")
    # the marker names the tools, so that a kept directory made with fewer
    # is made again
    if os.path.exists(ready) and open(ready).read() == " ".join(TOOLS):
        return
    if os.path.exists(o):
        shutil.rmtree(o)
    os.makedirs(os.path.join(o, "bin"), exist_ok=True)
    os.makedirs(os.path.join(o, "lib"), exist_ok=True)
    libs = set()
    for t in TOOLS:
        p = shutil.which(t)
        if not p:
            raise Skip("'%s' not found" % t)
        shutil.copy2(p, os.path.join(o, "bin", t))
        out = subprocess.run(["ldd", p], capture_output=True, text=True).stdout
        for line in out.splitlines():
            w = line.split()
            if "=>" in w and len(w) > 2 and w[2].startswith("/"):
                libs.add(w[2])
            elif w and w[0].startswith("/") and "ld-linux" in w[0]:
                shutil.copy2(os.path.realpath(w[0]), os.path.join(o, "ld.so"))
    for lib in libs:
        shutil.copy2(os.path.realpath(lib), os.path.join(o, "lib", os.path.basename(lib)))
    r = sh(["cc", "-shared", "-fPIC", "-O2", "-o", os.path.join(o, "lib", "chmod_shim.so"),
            os.path.join(HERE, "lib", "chmod_shim.c")])
    if r.returncode:
        raise Skip("cannot build lib/chmod_shim.c: %s" % r.stderr.decode(errors="replace"))
    with open(ready, "w") as f:
        f.write(" ".join(TOOLS))


# ---------------------------------------------------------------- listings
def list_tree(root, now_ns=None):
    """(canonical listing, mtime listing) of a directory, /.oracle left out."""
    root = os.fsencode(root)
    entries = {}
    times = {}

    def add(rel, full, st):
        m = st.st_mode
        import stat
        if stat.S_ISREG(m):
            e = canon.Entry("f", m, st.st_uid, st.st_gid, st.st_size,
                            canon.sha_file(full), ino=(st.st_dev, st.st_ino))
        elif stat.S_ISDIR(m):
            e = canon.Entry("d", m, st.st_uid, st.st_gid)
        elif stat.S_ISLNK(m):
            e = canon.Entry("l", m, st.st_uid, st.st_gid, link=os.readlink(full))
        elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
            e = canon.Entry("c" if stat.S_ISCHR(m) else "b", m, st.st_uid, st.st_gid,
                            link="%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        elif stat.S_ISFIFO(m):
            e = canon.Entry("p", m, st.st_uid, st.st_gid)
        else:
            e = canon.Entry("?", m, st.st_uid, st.st_gid)
        xa = {}
        try:
            for n in os.listxattr(full, follow_symlinks=False):
                nb = os.fsencode(n)
                if not nb.startswith(b"trusted.overlay."):
                    xa[nb] = os.getxattr(full, n, follow_symlinks=False)
        except OSError:
            pass
        e.xattrs = xa
        if not stat.S_ISDIR(m):
            e.ino = (st.st_dev, st.st_ino)     # hard links of every type
        entries[rel] = e
        ns = st.st_mtime_ns
        times[rel] = "NOW" if now_ns is not None and ns >= now_ns else \
            "%d.%09d" % divmod(ns, 10**9)

    stack = [(b"", root)]
    while stack:
        rel, full = stack.pop()
        with os.scandir(full) as it:
            for de in it:
                if not rel and de.name == b".oracle":
                    continue
                r = de.name if not rel else rel + b"/" + de.name
                st = os.lstat(de.path)
                add(r, de.path, st)
                if (st.st_mode & 0o170000) == 0o040000:
                    stack.append((r, de.path))
    return fmt(entries, times)


def emit(entries, out):
    """canon.emit, with the hardlink column for every non-directory: a
    symlink, fifo or device can have several names too (link(2) does not
    follow a symlink), and canonical-list.py groups regular files only."""
    groups = {}
    for p, e in entries.items():
        if e.type != "d" and e.ino is not None:
            groups.setdefault(e.ino, []).append(p)
    multi = {p for ps in groups.values() if len(ps) > 1 for p in ps}
    canon.emit(entries, out)        # fills the column for type "f" only
    lines = [x + "\n" for x in out.getvalue().split("\n")[:-1]]
    out.seek(0)
    out.truncate()
    first = {ino: min(ps) for ino, ps in groups.items() if len(ps) > 1}
    keys = sorted(p for p in entries if p != b"")
    for p, line in zip(keys, lines):
        e = entries[p]
        if e.type not in "fd" and p in multi:
            line = line.rsplit("\t", 1)[0] + "\t" + canon.esc(first[e.ino]) + "\n"
        out.write(line)


def fmt(entries, times):
    import io
    out = io.StringIO()
    emit(entries, out)
    ts = "".join("%s\t%s\n" % (canon.esc(p), times[p]) for p in sorted(times))
    return out.getvalue(), ts


def tar_entries(path):
    """canon.list_tar, with hard links to every non-directory kept."""
    entries = {}
    serial = 0
    for p, kind, v, ti in canon.iter_tar(path):
        if kind == "h":
            tgt = entries.get(v)
            if tgt is None or tgt.type == "d":
                raise CaseError("%s: hard link %r to missing %r" % (path, p, v))
            entries[p] = tgt
        else:
            if v.type != "d":
                serial += 1
                v.ino = ("tar", serial)
            entries[p] = v
    return entries


def list_tar(path):
    entries = tar_entries(path)
    times = {}
    with tarfile.open(path, "r:", encoding="utf-8", errors="surrogateescape") as tf:
        for ti in tf:
            p = canon.norm_name(ti.name)
            s = ti.pax_headers.get("mtime")
            if s is None:
                v = "%d.%09d" % (int(ti.mtime), 0)
            else:
                sec, _, frac = s.partition(".")
                v = "%d.%s" % (int(sec), (frac + "000000000")[:9])
            times[p] = "NOW" if v == "%d.000000000" % EPOCH else v
    return fmt(entries, times)


# ---------------------------------------------------------------- the kernel
def sh(argv, **kw):
    return subprocess.run(argv, capture_output=True, **kw)


def extract(tar, d):
    os.makedirs(d)
    r = sh(["tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-p",
            "--same-owner", "-xf", tar, "-C", d])
    if r.returncode:
        raise CaseError("tar -x %s: %s" % (tar, r.stderr.decode(errors="replace")))
    # GNU tar stamps a directory when it leaves it; an entry that comes
    # back into it later (a hard link after its target) changes it again.
    # A layer's directory has its header's mtime: put it back.
    with tarfile.open(tar, "r:", encoding="utf-8", errors="surrogateescape") as tf:
        for ti in tf:
            if ti.isdir():
                s = ti.pax_headers.get("mtime")
                if s is None:
                    ns = int(ti.mtime) * 10**9
                else:
                    sec, _, frac = s.partition(".")
                    ns = int(sec) * 10**9 + int((frac + "000000000")[:9])
                p = os.path.join(os.fsencode(d), canon.norm_name(ti.name))
                if os.path.isdir(p):
                    os.utime(p, ns=(ns, ns), follow_symlinks=False)
    oci2ovl.convert(d)


class Mount:
    def __init__(self, work, lowers, upper=True):
        self.mnt = os.path.join(work, "m")
        self.work = work
        os.makedirs(self.mnt, exist_ok=True)
        opts = "lowerdir=" + ":".join(lowers) + "," + MOUNT_OPTS
        if upper:
            u, w = os.path.join(work, "u"), os.path.join(work, "w")
            for d in (u, w):
                if os.path.exists(d):
                    shutil.rmtree(d)
                os.makedirs(d)
            opts += ",upperdir=%s,workdir=%s" % (u, w)
        else:
            opts = "ro," + opts
        r = sh(["mount", "-t", "overlay", "overlay", "-o", opts, self.mnt])
        if r.returncode:
            # main()'s probe turns this into a skip; after the probe mounted,
            # a failed mount is the failure of its case, not of the run
            raise MountError("mount -t overlay failed: %s" %
                             r.stderr.decode(errors="replace").strip())

    def umount(self):
        r = sh(["umount", self.mnt])
        if r.returncode:
            sh(["umount", "-l", self.mnt])


def in_root(mnt, umask):
    def f():
        os.chroot(mnt)
        os.chdir("/")
        os.umask(umask)
    return f


def write_in_root(mnt, path, data, mode, append):
    """printf '%s' TEXT > PATH (or >>) in the chroot: 0 or 1 and a message."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        rc = 0
        try:
            os.chroot(mnt)
            os.chdir("/")
            os.umask(0)
            # O_NONBLOCK: a fifo without a reader fails (ENXIO) at once
            fl = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | \
                (os.O_APPEND if append else os.O_TRUNC)
            fd = os.open(path, fl, mode)
            while data:
                data = data[os.write(fd, data):]
            os.close(fd)
        except OSError as e:
            os.write(wr, str(e).encode())
            rc = 1
        os._exit(rc)
    os.close(wr)
    msg = b""
    while True:
        b = os.read(rd, 4096)
        if not b:
            break
        msg += b
    os.close(rd)
    _, st = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(st), msg


def expand(mnt, d, g):
    """The paths the shell in the chroot expands d (literal) + "/" + g (a
    pattern) to, sorted as bash sorts them under LC_ALL=C."""
    q = b"'" + gen.sx(d).replace(b"'", b"'\\''") + b"'"
    script = b"shopt -s nullglob; set -- " + q + b"/" + gen.sx(g) + \
        b"; for w in \"$@\"; do printf '%s\\0' \"$w\"; done"
    r = subprocess.run([b"/.oracle/ld.so", b"--library-path", b"/.oracle/lib", b"--argv0",
                        b"bash", b"/.oracle/bin/bash", b"-c", script],
                       capture_output=True, stdin=subprocess.DEVNULL,
                       preexec_fn=in_root(mnt, 0o022), env={"LC_ALL": "C", "PATH": "/"},
                       timeout=CMD_TIMEOUT)
    if r.returncode:
        raise CaseError("bash: %s" % r.stderr.decode(errors="replace"))
    return [w for w in r.stdout.split(b"\0") if w]


def run_cmd(mnt, c):
    """One script command in the chroot: (exit status, message)."""
    argv = [gen.sx(w) for w in c["argv"]]
    name = argv[0].decode()
    if c.get("glob"):
        # a pattern: what the shell expands it to; none is an error (as
        # bash's failglob), except for rm -f, which then has no operand
        i, d, g = c["glob"]
        found = expand(mnt, d, g)
        if not found and not (name == "rm" and b"-f" in argv[1:i]):
            return 1, b"no match"
        argv = argv[:i] + found + argv[i + 1:]
        if len(argv) == i:
            return 0, b""
    words = argv[1:]
    if name in ("write", "append"):
        mode = 0o644
        if words[:1] == [b"-m"]:
            mode = int(words[1], 8)
            words = words[2:]
        path = words[0]
        data = gen.sx(c["heredoc"]) if c.get("heredoc") is not None else words[1]
        rc, msg = write_in_root(mnt, path, data, mode, name == "append")
        if rc and b"Permission denied" in msg:
            raise Undefined("'%s' opened a device node" % name)
        if rc and b"No such device or address" in msg:
            # O_NONBLOCK's ENXIO: a shell's > would block on the fifo
            raise Undefined("'%s' opened a fifo" % name)
        return rc, msg
    umask = 0o022
    if name == "copy-in":
        words = [b"/.oracle/" + words[0], words[1]]
        tool = [b"cp", b"-R", b"--preserve=mode"]
        umask = 0
    elif name == "setxattr" or name == "rmxattr":
        opts = [w for w in words if w == b"-h"]
        args = [w for w in words if w != b"-h"]
        if name == "setxattr":
            tool = [b"setfattr"] + opts + [b"-n", args[0], b"-v", args[1]]
            words = args[2:]
        else:
            tool = [b"setfattr"] + opts + [b"-x", args[0]]
            words = args[1:]
    else:
        opts = []
        while words and words[0].startswith(b"-") and len(words[0]) > 1:
            opts.append(words.pop(0))
            if opts[-1] in (b"-m", b"-d", b"-s") and words:
                opts.append(words.pop(0))
        tool = [argv[0]] + opts
        # chmod: the image has no umask, so "+x" is "a+x" (overtar-script(5))
        if name in ("cp", "mv", "chmod"):
            umask = 0
    # The tool is called by its own name: coreutils' messages and behaviour.
    full = [b"/.oracle/ld.so", b"--library-path", b"/.oracle/lib",
            b"--preload", b"/.oracle/lib/chmod_shim.so", b"--argv0", tool[0], b"/.oracle/bin/" + tool[0]] + tool[1:] + [b"--"] + words
    try:
        r = subprocess.run(full, capture_output=True, stdin=subprocess.DEVNULL,
                           preexec_fn=in_root(mnt, umask), env={"LC_ALL": "C", "PATH": "/"},
                           timeout=CMD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Undefined("'%s' blocked (a fifo?)" % name)
    if r.returncode and b"Permission denied" in r.stderr:
        # root is refused only by nodev: the command opened a device
        raise Undefined("'%s' opened a device node: %s" % (name, r.stderr.decode(errors="replace").strip()))
    return r.returncode, r.stderr


def kernel_side(case, cdir, work, tools):
    """Runs the oracle: returns dict with plain/edit listings and fail line."""
    lowers = []
    for i in range(len(case["layers"])):
        d = os.path.join(work, "l%d" % (i + 1))
        extract(os.path.join(cdir, "layer%d.tar" % (i + 1)), d)
        lowers.insert(0, d)
    oin = os.path.join(work, "oin")
    os.makedirs(os.path.join(oin, ".oracle"))
    shutil.copytree(os.path.join(cdir, "in"), os.path.join(oin, ".oracle", "in"),
                    symlinks=True)
    base = lowers + [oin, tools]
    res = {"lowers": base}
    m = Mount(work, base)
    try:
        res["plain"] = list_tree(m.mnt)
        now = time.time_ns() - 10 * 10**9
        res["now"] = now
        fail = None
        for i, c in enumerate(case["cmds"]):
            rc, msg = run_cmd(m.mnt, c)
            if rc:
                fail = i
                res["failmsg"] = msg.decode(errors="replace")
                break
        if fail is not None:
            m.umount()
            m = Mount(work, base)
            for c in case["cmds"][:fail]:
                rc, msg = run_cmd(m.mnt, c)
                if rc:
                    raise CaseError("replay failed: %s" % msg)
        res["fail"] = fail
        res["edit"] = list_tree(m.mnt, now)
    finally:
        m.umount()
    return res


def kernel_stack(work, lowers, layer_tar, now):
    d = os.path.join(work, "lx")
    if os.path.exists(d):
        shutil.rmtree(d)
    extract(layer_tar, d)
    w2 = os.path.join(work, "stack")
    os.makedirs(w2, exist_ok=True)
    m = Mount(w2, [d] + lowers, upper=False)
    try:
        return list_tree(m.mnt, now)
    finally:
        m.umount()


# ---------------------------------------------------------------- errors
# The reason a command failed, as an errno class, from its message: the
# coreutils/setfattr text on the kernel side, overtar's on the other. The
# phrases a tool writes instead of strerror(3) come first; each maps to the
# errno overtar sets for it (script/script_copy.c, script_tree.c).
ERRNO_PHRASES = [
    ("are the same file", "EINVAL"),
    ("to a subdirectory of itself", "EINVAL"),
    ("into itself", "EINVAL"),
    ("invalid user", "EINVAL"),
    ("invalid group", "EINVAL"),
    ("invalid spec", "EINVAL"),
    ("cannot overwrite non-directory", "ENOTDIR"),
    ("cannot overwrite directory", "EISDIR"),
    ("-r not specified", "EISDIR"),
    ("dangling symlink", "ENOENT"),
    ("symbolic link not followed", "ENOTDIR"),   # rmdir's word for it
    ("hard link not allowed for directory", "EPERM"),
    ("no such file or directory", "ENOENT"),
    ("file exists", "EEXIST"),
    ("not a directory", "ENOTDIR"),
    ("is a directory", "EISDIR"),
    ("directory not empty", "ENOTEMPTY"),
    ("no such attribute", "ENODATA"),
    ("no data available", "ENODATA"),
    ("operation not permitted", "EPERM"),
    ("invalid argument", "EINVAL"),
    ("too many levels of symbolic links", "ELOOP"),
    ("no such device or address", "ENXIO"),
]


def errno_class(msg):
    """The errno name a failure message stands for, or "unknown". A tool
    given several operands goes on after a failure: its first message is
    the one overtar stops at."""
    for line in msg.lower().splitlines():
        for phrase, cls in ERRNO_PHRASES:
            if phrase in line:
                return cls
    return "unknown"


def case_stats(case, fail):
    """How much of the script ran in the kernel: commands in all, commands
    that ran before the first failure, and whether that failure was the
    generator's deliberate error command (its "expect")."""
    n = len(case["cmds"])
    ran = n if fail is None else fail
    planned = [i for i, c in enumerate(case["cmds"]) if c.get("expect")]
    return {"cmds": n, "ran": ran, "planned_fail": bool(planned) and fail == planned[0],
            "unplanned_fail": fail is not None and fail not in planned,
            "expect": case["cmds"][fail].get("expect") if fail is not None else None}


def add_stats(total, st):
    for k in ("cmds", "ran", "planned_fail", "unplanned_fail"):
        total[k] = total.get(k, 0) + int(st.get(k, 0))
    if st.get("kernel_class"):
        total.setdefault("classes", {}).setdefault(st["kernel_class"], 0)
        total["classes"][st["kernel_class"]] += 1


def report_stats(total):
    """The share line: "commands run: R of N (P%), ..."; returns P."""
    n, ran = total.get("cmds", 0), total.get("ran", 0)
    share = 100.0 * ran / n if n else 0.0
    classes = ", ".join("%s %d" % kv for kv in sorted(total.get("classes", {}).items()))
    print("commands run: %d of %d (%.0f%%); %d cases end in their planned error, "
          "%d fail earlier in the kernel%s" % (
              ran, n, share, total.get("planned_fail", 0), total.get("unplanned_fail", 0),
              "; kernel errors: " + classes if classes else ""))
    return share


# ---------------------------------------------------------------- one case
def cut_script(case, n):
    text, _ = gen.script_text(case["cmds"][:n])
    return text


def overtar(ot, args, cwd):
    r = subprocess.run([ot] + args, capture_output=True, cwd=cwd,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stderr.decode(errors="replace")


def compare(name, want, got, problems, files):
    for k, (a, b) in enumerate(zip(want, got)):
        if a != b:
            what = ("list", "mtimes")[k]
            files["%s.kernel.%s" % (name, what)] = a
            files["%s.overtar.%s" % (name, what)] = b
            import difflib
            d = "".join(list(difflib.unified_diff(
                a.splitlines(True), b.splitlines(True), "kernel", "overtar", n=1))[:40])
            problems.append("%s: %s differs (--- kernel, +++ overtar):\n%s" % (name, what, d))


def run_case(ot, case, work, tools, stats):
    """Returns (problems, files to keep); fills stats (see case_stats).
    Raises Skip."""
    cdir = os.path.join(work, "case")
    gen.materialize(case, cdir)
    k = kernel_side(case, cdir, work, tools)
    stats.update(case_stats(case, k["fail"]))
    problems, files = [], {}
    layers = [os.path.join(cdir, "layer%d.tar" % (i + 1)) for i in range(len(case["layers"]))]
    out = os.path.join(work, "out")
    os.makedirs(out, exist_ok=True)
    # 1. flatten
    rc, err = overtar(ot, ["flatten", "-o", os.path.join(out, "flat.tar")] + layers, cdir)
    if rc:
        problems.append("flatten: exit %d: %s" % (rc, err))
    else:
        compare("flatten", k["plain"], list_tar(os.path.join(out, "flat.tar")), problems, files)
    # error parity
    script = os.path.join(cdir, "script.ots")
    bargs = ["build", "--mtime", str(EPOCH), "-f", script]
    fail = k["fail"]
    if fail is not None:
        line = case["cmds"][fail]["line"]
        full = os.path.join(out, "full.tar")
        rc, err = overtar(ot, bargs + ["-o", full] + layers, cdir)
        want = "script.ots:%d:" % line
        kclass, oclass = errno_class(k["failmsg"]), errno_class(err)
        stats["failmsg"] = "line %d: %s" % (line, k["failmsg"].strip())
        stats["kernel_class"] = kclass
        if stats.get("expect") and stats["expect"] != kclass:
            # the generator's model was wrong, not overtar: said, not failed
            print("note: line %d was to fail with %s, the kernel says %s" % (
                line, stats["expect"], kclass), flush=True)
        if rc != 1 or os.path.exists(full) or want not in err:
            problems.append("error parity: the kernel fails at line %d (%s); overtar: exit %d, "
                            "output %s, stderr: %s" % (line, k["failmsg"].strip(), rc,
                                                      "written" if os.path.exists(full) else "none",
                                                      err.strip()))
        elif kclass != oclass:
            problems.append("error parity: at line %d the kernel fails with %s (%s), overtar "
                            "with %s (%s)" % (line, kclass, k["failmsg"].strip(), oclass,
                                             err.strip()))
        with open(os.path.join(cdir, "cut.ots"), "wb") as f:
            f.write(cut_script(case, fail))
        bargs = ["build", "--mtime", str(EPOCH), "-f", os.path.join(cdir, "cut.ots")]
    # 2. build --emit flat
    ft = os.path.join(out, "build.tar")
    rc, err = overtar(ot, bargs + ["-o", ft] + layers, cdir)
    if rc:
        problems.append("build --emit flat: exit %d where the kernel succeeds: %s" % (rc, err.strip()))
    else:
        compare("build-flat", k["edit"], list_tar(ft), problems, files)
    # 3. build --emit layer, stacked by the kernel
    lt = os.path.join(out, "layer.tar")
    rc, err = overtar(ot, bargs + ["--emit", "layer", "-o", lt] + layers, cdir)
    if rc:
        problems.append("build --emit layer: exit %d: %s" % (rc, err.strip()))
    elif not rc:
        compare("build-layer", k["edit"], kernel_stack(work, k["lowers"], lt, k["now"]),
                problems, files)
    return problems, files


def one(ot, case, keep, tools, label, stats=None):
    """Runs one case: [] if it passed, its problems, or "undefined: ..."."""
    stats = {} if stats is None else stats
    work = tempfile.mkdtemp(prefix="case.", dir=keep)
    try:
        problems, files = run_case(ot, case, work, tools, stats)
    except Undefined as e:
        shutil.rmtree(work, ignore_errors=True)
        return "undefined: %s" % e
    except (CaseError, OSError, subprocess.SubprocessError) as e:
        problems, files = ["oracle error: %r" % e], {}
    if problems:
        dst = os.path.join(keep, "fail-%s" % label)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        shutil.copytree(os.path.join(work, "case"), dst, symlinks=True)
        for n, text in files.items():
            with open(os.path.join(dst, n), "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
        with open(os.path.join(dst, "problems.txt"), "w") as f:
            f.write("\n".join(problems) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return problems


def worker(args):
    ot, seed, keep, tools = args
    stats = {}
    try:
        return seed, one(ot, gen.generate(seed), keep, tools, str(seed), stats), stats
    except Skip as e:
        return seed, "SKIP: %s" % e, stats


# ---------------------------------------------------------------- shrinking
def shrink(ot, case, keep, tools, label):
    """Greedy: drop layers, commands, entries (with their subtrees) while it fails."""
    def fails(c):
        p = one(ot, c, keep, tools, label + "-try")
        return bool(p) and not isinstance(p, str)

    def candidates(c):
        for i in range(len(c["layers"])):
            if len(c["layers"]) > 1:
                yield dict(c, layers=c["layers"][:i] + c["layers"][i + 1:])
        for i in range(len(c["cmds"])):
            yield dict(c, cmds=c["cmds"][:i] + c["cmds"][i + 1:])
        for li, L in enumerate(c["layers"]):
            for e in L:
                p = e["p"]
                nl = [x for x in L if not (x["p"] == p or x["p"].startswith(p + "/")
                                           or (x["t"] == "h" and (x["target"] == p or
                                                                 x["target"].startswith(p + "/"))))]
                yield dict(c, layers=c["layers"][:li] + [nl] + c["layers"][li + 1:])
        for i in range(len(c["inputs"])):
            p = c["inputs"][i]["p"]
            yield dict(c, inputs=[x for x in c["inputs"] if not (x["p"] == p or x["p"].startswith(p + "/"))])

    progress = True
    while progress:
        progress = False
        for cand in candidates(case):
            cand = json.loads(json.dumps(cand))
            if fails(cand):
                case = cand
                progress = True
                print("shrink: %d layers, %d entries, %d commands" % (
                    len(case["layers"]), sum(len(L) for L in case["layers"]), len(case["cmds"])),
                    flush=True)
                break
    shutil.rmtree(os.path.join(keep, "fail-%s-try" % label), ignore_errors=True)
    dst = os.path.join(keep, "min-%s" % label)
    gen.materialize(case, dst)
    one(ot, case, keep, tools, "min-" + label)
    return dst


# ---------------------------------------------------------------- main
def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("overtar")
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--start", type=int, default=1)
    ap.add_argument("--case", nargs="+")
    ap.add_argument("--replay", type=int)
    ap.add_argument("--shrink")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--min-ran", type=float, default=0,
                    help="fail unless this share (%%) of the commands ran in the kernel")
    ap.add_argument("--keep", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                   "overtar-conformance"))
    a = ap.parse_args(argv[1:])
    ot = os.path.abspath(a.overtar)
    if os.geteuid() != 0:
        print("SKIP: not root (mount, chroot, mknod and trusted.* xattrs need root)")
        return 77
    os.makedirs(a.keep, exist_ok=True)
    tools = os.path.join(a.keep, "tools")
    try:
        make_tools(tools)
        probe = tempfile.mkdtemp(prefix="probe.", dir=a.keep)
        try:
            os.setxattr(probe, "trusted.overtar.probe", b"y")
            os.makedirs(os.path.join(probe, "l"))
            m = Mount(probe, [os.path.join(probe, "l"), tools])
            m.umount()
        except (OSError, MountError) as e:
            raise Skip("%s: %s" % (a.keep, e))
        finally:
            shutil.rmtree(probe, ignore_errors=True)
    except Skip as e:
        print("SKIP: %s" % e)
        return 77

    npass = nfail = nundef = 0
    total = {}
    if a.replay is not None or a.case or a.shrink:
        if a.shrink:
            if a.shrink.isdigit():
                case, label = gen.generate(int(a.shrink)), a.shrink
            else:
                case = json.load(open(a.shrink))
                label = os.path.splitext(os.path.basename(a.shrink))[0]
                if label == "case":
                    label = os.path.basename(os.path.dirname(os.path.abspath(a.shrink)))
            p = one(ot, case, a.keep, tools, label)
            if not p or isinstance(p, str):
                print("case %s passes: nothing to shrink" % label)
                return 0
            dst = shrink(ot, case, a.keep, tools, label)
            print("minimal case in %s (problems in %s)" % (
                dst, os.path.join(a.keep, "fail-min-" + label)))
            return 1
        cases = []
        if a.replay is not None:
            cases.append((str(a.replay), gen.generate(a.replay)))
        for f in a.case or []:
            label = os.path.splitext(os.path.basename(f))[0]
            if label == "case":
                label = os.path.basename(os.path.dirname(os.path.abspath(f)))
            cases.append((label, json.load(open(f))))
        for label, case in cases:
            try:
                st = {}
                p = one(ot, case, a.keep, tools, label, st)
                add_stats(total, st)
            except Skip as e:
                print("SKIP: %s" % e)
                return 77
            if isinstance(p, str):
                nundef += 1
                print("%s %s" % (label, p))
            elif p:
                nfail += 1
                print("FAIL %s (kept in %s)\n    %s" % (
                    label, os.path.join(a.keep, "fail-" + label),
                    "\n    ".join("\n".join(p).splitlines())))
            else:
                npass += 1
                print("ok %s" % label)
    else:
        import multiprocessing
        seeds = range(a.start, a.start + (a.seeds or 200))
        jobs = [(ot, s, a.keep, tools) for s in seeds]
        with multiprocessing.Pool(a.jobs) as pool:
            for seed, p, st in pool.imap_unordered(worker, jobs):
                add_stats(total, st)
                if st.get("unplanned_fail"):
                    print("note: seed %d: the kernel fails where the generator did not plan it, "
                          "at %s" % (seed, st.get("failmsg")), flush=True)
                if isinstance(p, str) and p.startswith("SKIP"):
                    print(p)
                    return 77
                if isinstance(p, str):
                    nundef += 1
                    if a.seeds and a.seeds <= 50:
                        print("seed %d %s" % (seed, p), flush=True)
                elif p:
                    nfail += 1
                    print("FAIL seed %d (kept in %s; replay: conform.py OVERTAR --replay %d)\n    %s" % (
                        seed, os.path.join(a.keep, "fail-%d" % seed), seed,
                        "\n    ".join("\n".join(p).splitlines()[:30])), flush=True)
                else:
                    npass += 1
                    if a.seeds and a.seeds <= 50:
                        print("ok seed %d" % seed, flush=True)
    if nundef:
        print("%d undefined (a command blocked on a fifo or opened a device; not counted)" % nundef)
    share = report_stats(total)
    if share < a.min_ran:
        print("FAIL: only %.0f%% of the commands ran in the kernel (at least %.0f%% wanted): "
              "the cases compare little more than their layers" % (share, a.min_ran))
        nfail += 1
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
