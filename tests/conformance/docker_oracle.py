#!/usr/bin/env python3
"""docker_oracle.py -- Docker as a second oracle for overtar's image outputs.

Usage:
  docker_oracle.py OVERTAR [--script FILE.ots] [--work DIR] INPUT...

INPUT is what overtar takes: layer tars (base first), oci:DIR[:REF] or
docker-archive:FILE[:REF]. A private dockerd is started for the run (its
socket, data root and exec root in a new directory, no iptables, no bridge)
and stopped at the end. Then, for each round trip:

  flatten   overtar flatten -o docker-archive:F:overtar-oracle/flat:1 INPUT
  build     overtar build -f FILE --emit layer -o docker-archive:F:... INPUT
            (the input's layers plus the edit's layer; with --script only)

the archive is given to `docker load`, a container is made from it with
`docker create` (never started), and its tree is read three ways:

  export    `docker export` of the container: the tar Docker itself writes
  save      `docker save` of the image, read back by overtar by the tag
            docker gave it (docker's own docker-archive layout)
  storage   the container's overlay2 directories (GraphDriver LowerDir and
            UpperDir, as `docker inspect` names them), mounted read-only by
            the kernel with Docker overlay2's options

and each is compared, entry by entry (conform.py's listing: type, mode,
owner, size, content, link, xattrs, hard links of every type, mtimes),
with overtar's own flat tree of the same thing (`overtar flatten -o
flat.tar INPUT`, or `overtar build -f FILE -o flat.tar INPUT`).

Left out on both sides, as what the runtime adds (moby daemon/initlayer:
setupInitLayer): /.dockerenv, /etc/hostname, /etc/hosts, /etc/mtab,
/etc/resolv.conf and everything under /dev; /dev, /proc, /sys and /etc
themselves where overtar's tree has no such entry, and the mtimes of /etc
and /dev, which the init layer's new entries change. Two limits of
`docker export` itself (moby pkg/archive): its headers carry whole seconds,
so export mtimes are compared to the second, and only security.* xattrs,
so export is compared on those; the storage reading has both in full.

Prints one line per comparison and "N passed, M failed". Exit 0, 1, or 77
with "SKIP: reason" where no daemon can start (no dockerd, not root, no
overlay).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conform  # noqa: E402

ALWAYS = {b".dockerenv", b"etc/hostname", b"etc/hosts", b"etc/mtab",
          b"etc/resolv.conf"}
IF_ABSENT = {b"dev", b"proc", b"sys", b"etc"}
NO_MTIME = {b"etc", b"dev"}
START_TIMEOUT = 90


class Skip(Exception):
    pass


class Daemon:
    """A private dockerd, started and stopped by this run only."""

    def __init__(self, parent):
        # A unix socket path has at most 107 bytes: a short directory.
        self.dir = tempfile.mkdtemp(prefix="otdk.", dir=parent)
        self.sock = os.path.join(self.dir, "docker.sock")
        self.env = dict(os.environ, DOCKER_HOST="unix://" + self.sock)
        self.env.pop("DOCKER_CONTEXT", None)
        self.proc = None
        exe = shutil.which("dockerd")
        if not exe:
            raise Skip("dockerd is not installed (Debian package docker.io)")
        if not shutil.which("docker"):
            raise Skip("the docker client is not installed")
        self.log = open(os.path.join(self.dir, "dockerd.log"), "wb")
        self.proc = subprocess.Popen(
            [exe, "-H", "unix://" + self.sock,
             "--data-root", os.path.join(self.dir, "root"),
             "--exec-root", os.path.join(self.dir, "exec"),
             "--pidfile", os.path.join(self.dir, "pid"),
             "--iptables=false", "--ip6tables=false", "--bridge=none",
             "--storage-driver", "overlay2"],
            stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            if os.path.exists(self.sock) and self.docker(
                    ["version"], check=False).returncode == 0:
                return
            time.sleep(0.5)
        tail = self.log_tail()
        self.stop()
        raise Skip("dockerd did not start: %s" % tail)

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "dockerd.log"), "rb") as f:
                lines = f.read().decode(errors="replace").strip().splitlines()
            return " | ".join(lines[-3:])
        except OSError:
            return "(no log)"

    def docker(self, args, check=True, **kw):
        r = subprocess.run(["docker"] + args, env=self.env,
                           capture_output=True, stdin=subprocess.DEVNULL, **kw)
        if check and r.returncode:
            raise RuntimeError("docker %s: exit %d: %s" % (
                " ".join(args), r.returncode,
                r.stderr.decode(errors="replace").strip()))
        return r

    def stop(self):
        """SIGTERM to the dockerd this run started (by its pid), then its
        directory removed once nothing is mounted below it."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        # dockerd unmounts its layers on exit; anything left is unmounted
        # here, deepest first, before the removal.
        with open("/proc/self/mountinfo") as f:
            mounts = [ln.split()[4] for ln in f]
        for m in sorted((m for m in mounts if m.startswith(self.dir + "/")),
                        key=len, reverse=True):
            subprocess.run(["umount", "-l", m], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def overtar(ot, args):
    r = subprocess.run([ot] + args, capture_output=True,
                       stdin=subprocess.DEVNULL)
    if r.returncode:
        raise RuntimeError("overtar %s: exit %d: %s" % (
            " ".join(args), r.returncode, r.stderr.decode(errors="replace")))


def keep(rel, ours):
    """Whether entry rel is compared (see the module's doc)."""
    if rel in ALWAYS or rel.startswith(b"dev/"):
        return False
    return not (rel in IF_ABSENT and rel not in ours)


def link_caps(entries):
    """Drops security.capability from every multiply-linked entry: Docker's
    applier (moby pkg/archive createTarFile) lchowns each hard link entry
    after making it, which clears the shared inode's capability (kernel
    chown rules), then sets only the xattrs of the link's own header. An
    input layer whose link entries do not repeat the capability (the bench
    corpus's) so loses it in Docker, where GNU tar and the kernel keep it;
    overtar's writer repeats every xattr on link entries, so its own
    layers keep it in Docker too (the flatten trip checks that)."""
    groups = {}
    for v in entries.values():
        groups[id(v)] = groups.get(id(v), 0) + 1
    for v in entries.values():
        if groups[id(v)] > 1:
            v.xattrs.pop(b"security.capability", None)


def listing(entries, times, ours, export, foreign=False):
    """conform.py's listing of the entries that are compared; foreign: the
    image holds layers overtar did not write (link_caps)."""
    import copy
    e = {p: copy.copy(v) for p, v in entries.items() if keep(p, ours)}
    same = {}
    for p, v in entries.items():        # hard links share one Entry
        if p in e:
            e[p] = same.setdefault(id(v), e[p])
    t = {}
    for p in e:
        if p in NO_MTIME:
            t[p] = "-"
        elif export:
            t[p] = times[p].split(".")[0]
        else:
            t[p] = times[p]
    for v in set(e.values()):
        v.xattrs = dict(v.xattrs)
        if export:
            v.xattrs = {k: x for k, x in v.xattrs.items()
                        if k.startswith(b"security.")}
    if foreign:
        link_caps(e)
    return conform.fmt(e, t)


def tar_listing(path):
    entries = conform.tar_entries(path)
    _, ts = conform.list_tar(path)
    times = dict(ln.split("\t", 1) for ln in ts.splitlines())
    # list_tar's keys are escaped: map back through canon.esc
    by = {conform.canon.esc(p): p for p in entries}
    return entries, {by[k]: v for k, v in times.items()}


def tree_listing(root):
    """(entries, times) of a mounted tree, as conform.list_tree sees it."""
    import stat
    entries, times, inodes = {}, {}, {}
    rootb = os.fsencode(root)
    stack = [(b"", rootb)]
    while stack:
        rel, full = stack.pop()
        with os.scandir(full) as it:
            for de in it:
                r = de.name if not rel else rel + b"/" + de.name
                st = os.lstat(de.path)
                m = st.st_mode
                if stat.S_ISREG(m):
                    e = conform.canon.Entry("f", m, st.st_uid, st.st_gid,
                                            st.st_size,
                                            conform.canon.sha_file(de.path))
                elif stat.S_ISDIR(m):
                    e = conform.canon.Entry("d", m, st.st_uid, st.st_gid)
                    stack.append((r, de.path))
                elif stat.S_ISLNK(m):
                    e = conform.canon.Entry("l", m, st.st_uid, st.st_gid,
                                            link=os.readlink(de.path))
                elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
                    e = conform.canon.Entry(
                        "c" if stat.S_ISCHR(m) else "b", m, st.st_uid,
                        st.st_gid, link="%d,%d" % (os.major(st.st_rdev),
                                                   os.minor(st.st_rdev)))
                elif stat.S_ISFIFO(m):
                    e = conform.canon.Entry("p", m, st.st_uid, st.st_gid)
                else:
                    e = conform.canon.Entry("?", m, st.st_uid, st.st_gid)
                if not stat.S_ISDIR(m):
                    e.ino = (st.st_dev, st.st_ino)
                    # one Entry per inode, as tar_entries gives links
                    e = inodes.setdefault(e.ino, e)
                xa = {}
                try:
                    for n in os.listxattr(de.path, follow_symlinks=False):
                        nb = os.fsencode(n)
                        if not nb.startswith(b"trusted.overlay."):
                            xa[nb] = os.getxattr(de.path, n,
                                                 follow_symlinks=False)
                except OSError:
                    pass
                e.xattrs = xa
                entries[r] = e
                v = "%d.%09d" % divmod(st.st_mtime_ns, 10**9)
                # as conform.list_tar shows overtar's --mtime
                times[r] = "NOW" if v == "%d.000000000" % conform.EPOCH \
                    else v
    return entries, times


def compare(label, want, got, out, keepdir):
    problems = []
    for k, (a, b) in enumerate(zip(want, got)):
        if a != b:
            import difflib
            what = ("list", "mtimes")[k]
            with open(os.path.join(keepdir, "%s.overtar.%s" % (label, what)),
                      "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(a)
            with open(os.path.join(keepdir, "%s.docker.%s" % (label, what)),
                      "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(b)
            d = "".join(list(difflib.unified_diff(
                a.splitlines(True), b.splitlines(True), "overtar", "docker",
                n=1))[:40])
            problems.append("%s differs (--- overtar, +++ docker):\n%s" %
                            (what, d))
    n = len(want[0].splitlines())
    if problems:
        out.append("FAIL %s\n    %s" % (label, "\n    ".join(
            "\n".join(problems).splitlines())))
        return False
    out.append("ok %s (%d entries)" % (label, n))
    return True


def round_trip(dk, ot, label, make_args, flat_args, inputs, work, results,
               foreign):
    """One docker-archive output through docker: export and storage."""
    arch = os.path.join(work, label + ".docker.tar")
    flat = os.path.join(work, label + ".flat.tar")
    name = "overtar-oracle/%s:1" % label
    overtar(ot, make_args + ["-o", "docker-archive:%s:%s" % (arch, name)]
            + inputs)
    overtar(ot, flat_args + ["-o", flat] + inputs)
    ours, ours_t = tar_listing(flat)
    dk.docker(["load", "-q", "-i", arch])
    os.unlink(arch)
    cid = dk.docker(["create", name, "/overtar-oracle-never-run"]
                    ).stdout.decode().strip()
    try:
        ex = os.path.join(work, label + ".export.tar")
        dk.docker(["export", "-o", ex, cid])
        theirs, theirs_t = tar_listing(ex)
        os.unlink(ex)
        ok = compare(label + " export",
                     listing(ours, ours_t, ours, True, foreign),
                     listing(theirs, theirs_t, ours, True, foreign),
                     results, work)
        # docker save's own docker-archive, read back by overtar by the
        # tag docker gave it: the same tree, exactly
        sv = os.path.join(work, label + ".saved.tar")
        back = os.path.join(work, label + ".saved.flat.tar")
        dk.docker(["save", "-o", sv, name])
        overtar(ot, ["flatten", "-o", back, "docker-archive:%s:%s" %
                     (sv, name)])
        os.unlink(sv)
        sb, sb_t = tar_listing(back)
        os.unlink(back)
        ok = compare(label + " save", listing(ours, ours_t, ours, False),
                     listing(sb, sb_t, ours, False), results, work) and ok
        data = json.loads(dk.docker(
            ["inspect", "-f", "{{json .GraphDriver.Data}}", cid]).stdout)
        lowers = [data["UpperDir"]] + data["LowerDir"].split(":")
        m = conform.Mount(os.path.join(work, label + ".mnt"), lowers,
                          upper=False)
        try:
            st, st_t = tree_listing(m.mnt)
        finally:
            m.umount()
        ok = compare(label + " storage",
                     listing(ours, ours_t, ours, False, foreign),
                     listing(st, st_t, ours, False, foreign),
                     results, work) and ok
    finally:
        dk.docker(["rm", cid], check=False)
        dk.docker(["rmi", name], check=False)
    os.unlink(flat)
    return ok


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("overtar")
    ap.add_argument("--script")
    ap.add_argument("--work")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args(argv[1:])
    ot = os.path.abspath(a.overtar)
    if os.geteuid() != 0:
        print("SKIP: not root (a private dockerd needs root)")
        return 77
    work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="docker-oracle."))
    os.makedirs(work, exist_ok=True)
    inputs = a.inputs   # read from the caller's directory, as given
    try:
        dk = Daemon("/tmp")
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    results = []
    npass = nfail = 0
    try:
        trips = [("flatten", ["flatten"], ["flatten"], inputs, False)]
        if a.script:
            s = os.path.abspath(a.script)
            image, foreign = inputs, True
            if len(inputs) != 1 or not inputs[0].startswith(
                    ("oci:", "docker-archive:")):
                # --emit layer into an image takes one image: the layers
                # flattened into one first
                base = os.path.join(work, "base.docker.tar")
                overtar(ot, ["flatten", "-o", "docker-archive:" + base]
                        + inputs)
                image, foreign = ["docker-archive:" + base], False
            # one time for both builds' new entries (conform.py's EPOCH)
            t = ["--mtime", str(conform.EPOCH)]
            trips.append(("build", ["build", "-f", s, "--emit", "layer"] + t,
                          ["build", "-f", s] + t, image, foreign))
        for label, make_args, flat_args, ins, foreign in trips:
            try:
                ok = round_trip(dk, ot, label, make_args, flat_args, ins,
                                work, results, foreign)
            except (RuntimeError, OSError) as e:
                results.append("FAIL %s: %s" % (label, e))
                ok = False
            for line in results:
                print(line, flush=True)
            n = sum(1 for r in results if r.startswith("ok"))
            npass += n
            nfail += len(results) - n
            results = []
    finally:
        dk.stop()
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
