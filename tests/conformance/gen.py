#!/usr/bin/env python3
"""gen.py SEED OUTDIR -- one generated conformance case, from its seed alone.

A case is a stack of 1 to 6 OCI layers and an edit script (overtar-script(5)),
described as data (case.json) and written out as files:

  OUTDIR/case.json        the description: layers (entry lists, in tar order),
                          copy-in inputs, commands (argv, heredoc, line)
  OUTDIR/layerN.tar       the layers, base first (PAX, as docker writes them)
  OUTDIR/in/...           the host tree the script's copy-in commands read
  OUTDIR/script.ots       the script

Python 3 standard library only; the same seed gives the same bytes. Paths in
case.json are str with surrogateescape (non-UTF-8 names survive JSON as
\\udcXX escapes). materialize() is what the shrinker (conform.py) calls after
editing a description.

What the layers hold: directories, empty, small and large (> 1 MiB) files,
symlinks (relative, absolute, dangling, to directories), hard links within a
layer to every non-directory (files, symlinks, fifos, devices), fifos, devices, setuid/setgid/sticky modes, owners, mtimes with
nanoseconds, user.* and security.capability xattrs; across layers: files
replacing directories and the reverse, symlinks replacing directories,
.wh. whiteouts and .wh..wh..opq markers before and after their siblings,
names whited out and added again in one layer, deep paths, names with spaces
and non-UTF-8 bytes. Every layer holds the parent directories of its entries
(as docker's layers do), so extraction never invents a directory.

Never generated (the oracle needs it, see conform.py): the name ".oracle" at
the root, symlinks that resolve to the root, opaque markers at the root.
"""
import io
import json
import os
import random
import struct
import sys
import tarfile

import genscript

EPOCH_MIN = 946684800        # 2000-01-01
EPOCH_MAX = 1700000000       # all generated times are in the past

NAMES = ["a", "b", "c", "d", "etc", "usr", "bin", "lib", "x y", "two  spaces",
         "caf\udce9", "\u00e9t\u00e9", "n\udcff\udcfe", "dir.d", "f-1", ".hidden",
         "data", "sub", "deep", "k", "m", "z", "with'quote", 'dq"x', "back\\slash",
         "tab\tname", "#hash", "ünï", "q"]


def sx(s):
    """str (surrogateescape) -> bytes."""
    return s.encode("utf-8", "surrogateescape")


def parent(p):
    return p.rpartition("/")[0]


def base(p):
    return p.rpartition("/")[2]


def ancestors(p):
    parts = p.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def content(spec):
    """The bytes of a content spec: a str literal or [size, seed]."""
    if isinstance(spec, str):
        return sx(spec)
    size, seed = spec
    r = random.Random(seed)
    chunk = bytes(r.getrandbits(8) for _ in range(4096))
    out = (chunk * (size // 4096 + 1))[:size]
    return out


def cap_value(r):
    """A valid VFS_CAP_REVISION_2 security.capability value."""
    perm = r.choice([1 << 10, 1 << 12, (1 << 13) | (1 << 7), 1 << 21])
    return struct.pack("<IIIII", 0x02000000 | r.choice([0, 1]), perm, 0, 0, 0)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed
        self.model = {}     # merged view: path -> type letter
        self.targets = {}   # symlink path -> target (merged view)

    # ------------------------------------------------------------ helpers
    def name(self):
        r = self.r
        if r.random() < 0.04:
            return "long" + "n" * r.randint(50, 200)
        if r.random() < 0.5:
            return r.choice(NAMES)
        return "%s%d" % (r.choice("abcdefghij"), r.randint(0, 30))

    def mtime(self):
        r = self.r
        s = r.randint(EPOCH_MIN, EPOCH_MAX)
        ns = r.choice([0, 0, r.randint(0, 999999999), 500000000])
        return [s, ns]

    def meta(self, kind):
        r = self.r
        if kind == "d":
            mode = r.choice([0o755, 0o755, 0o755, 0o700, 0o775, 0o1777,
                             0o2755, 0o711, 0o555])
        elif kind == "f":
            mode = r.choice([0o644, 0o644, 0o644, 0o755, 0o600, 0o4755,
                             0o2755, 0o6755, 0o2644, 0o444, 0o1644, 0o000])
        elif kind in "cbp":
            mode = r.choice([0o644, 0o666, 0o600, 0o620])
        else:
            mode = 0o777
        owner = r.choice([0, 0, 0, 1, 1000, 65534])
        group = r.choice([0, 0, 0, 1, 1000, 65534, 5])
        m = {"mode": mode, "uid": owner, "gid": group, "mtime": self.mtime()}
        if kind in "df" and r.random() < 0.15:
            m["xattrs"] = {"user.k%d" % r.randint(0, 3):
                           r.choice(["v", "value two", "\udcff\x00", ""])}
        if kind == "f" and r.random() < 0.08:
            m.setdefault("xattrs", {})["security.capability"] = \
                cap_value(r).decode("utf-8", "surrogateescape")
        return m

    def data(self):
        r = self.r
        x = r.random()
        if x < 0.15:
            return ""
        if x < 0.16:
            return [r.randint(1 << 20, (1 << 20) + 300000), r.randint(0, 1 << 30)]
        if x < 0.3:
            return [r.randint(1, 20000), r.randint(0, 1 << 30)]
        return r.choice(["hello\n", "x", "line1\nline2\n", "\udcff\udcfebin",
                         "data %d\n" % r.randint(0, 99)])

    def dirs(self):
        return [p for p, t in self.model.items() if t == "d"]

    def any_path(self):
        return self.r.choice(sorted(self.model)) if self.model else None

    def symlink_target(self, p):
        """Relative, absolute, dangling or to a directory; never to /."""
        r = self.r
        paths = sorted(self.model)
        x = r.random()
        if paths and x < 0.35:
            t = r.choice(paths)
            return "/" + t
        if paths and x < 0.7:
            t = r.choice(paths)
            # relative from p's directory
            up = len(ancestors(p))
            rel = "../" * up + t
            return rel if up else t
        if x < 0.85:
            return r.choice(["nowhere", "/no/such/file", "../../../../x",
                             "dangling dir/"])
        return r.choice(["/etc", "/usr/lib", "/a/b", "a"])

    # ------------------------------------------------------------ layers
    def new_entry(self, kind, p, layer_paths):
        e = {"t": kind, "p": p}
        e.update(self.meta(kind))
        if kind == "f":
            e["data"] = self.data()
        elif kind == "l":
            e["target"] = self.symlink_target(p)
        elif kind == "c":
            e["dev"] = self.r.choice([[1, 3], [4, 64], [5, 1], [10, 200]])
        elif kind == "b":
            e["dev"] = self.r.choice([[7, 0], [8, 1], [259, 3]])
        elif kind == "h":
            # a hard link to any non-directory of this layer: files,
            # symlinks, fifos and devices (moby, umoci and GNU tar keep
            # them one inode; docs/semantics.md)
            targets = [q for q, t in layer_paths.items() if t != "d" and q != p]
            if not targets:
                return None
            files = [q for q in targets if layer_paths[q] == "f"]
            pool = files if files and self.r.random() < 0.6 else targets
            e = {"t": "h", "p": p, "target": self.r.choice(pool)}
        return e

    def kind(self):
        return self.r.choices("fdlhcbp", [40, 20, 12, 8, 3, 2, 3])[0]

    def layer(self, first):
        """One layer: a dict path -> entry, whiteouts as .wh. paths."""
        r = self.r
        L = {}          # path -> entry (dirs, files...), in creation order
        types = {}      # this layer's path -> type, for hard links
        nops = r.randint(3, 25) if first else r.randint(1, 14)

        def ensure_parents(p):
            for a in ancestors(p):
                if a in L and L[a]["t"] == "d":
                    continue
                if a in L:
                    return False    # a non-directory of this layer
                e = {"t": "d", "p": a}
                e.update(self.meta("d"))
                if self.model.get(a) == "d" and r.random() < 0.7:
                    e["mode"] = 0o755
                L[a] = e
                types[a] = "d"
            return True

        def add(p, kind):
            if p in L or p == ".oracle" or base(p).startswith(".wh."):
                return
            if not ensure_parents(p):
                return
            e = self.new_entry(kind, p, types)
            if e is None:
                return
            L[p] = e
            types[p] = types[e["target"]] if kind == "h" else kind

        def place():
            """A new path under an existing directory (or a new deep one)."""
            ds = self.dirs() + [q for q, t in types.items() if t == "d"]
            if r.random() < 0.08:
                return "/".join(self.name() for _ in range(r.randint(4, 12)))
            if ds and r.random() < 0.75:
                return r.choice(ds) + "/" + self.name()
            return self.name()

        for _ in range(nops):
            op = r.random()
            lower = sorted(self.model)
            if first or op < 0.4 or not lower:
                add(place(), self.kind())
            elif op < 0.55:             # whiteout a lower name
                p = r.choice(lower)
                if ensure_parents(p):
                    L[os.path.join(parent(p), ".wh." + base(p)).lstrip("/")] = \
                        {"t": "wh", "p": (parent(p) + "/" if parent(p) else "") + ".wh." + base(p)}
                    if r.random() < 0.3:        # and add it again
                        add(p, self.kind())
            elif op < 0.65:             # opaque a lower directory
                ds = [q for q in self.dirs()]
                if ds:
                    p = r.choice(ds)
                    add(p, "d")
                    if p in L and L[p]["t"] == "d":
                        L[p + "/.wh..wh..opq"] = {"t": "opq", "p": p + "/.wh..wh..opq"}
                        for _ in range(r.randint(0, 2)):
                            add(p + "/" + self.name(), self.kind())
            elif op < 0.8:              # replace: any type over a lower name
                p = r.choice(lower)
                add(p, self.kind() if r.random() < 0.6 else
                    ("f" if self.model[p] == "d" else "d") if r.random() < 0.6 else "l")
            elif op < 0.9:              # change a lower file or directory
                p = r.choice(lower)
                add(p, "d" if self.model[p] == "d" else "f")
            else:
                add(place(), "h")
        return self.order(self.drop_orphans(L))

    def drop_orphans(self, L):
        """Whiteouts under a directory that is opaque in the same layer hide
        nothing; overlayfs would list them as ghosts (see
        docs/semantics.md) and docker never writes them: drop them."""
        opaque = set()
        for p, e in L.items():
            if e["t"] == "opq":
                opaque.add(parent(p))
            elif e["t"] == "wh":
                q = (parent(p) + "/" if parent(p) else "") + base(p)[4:]
                if L.get(q, {}).get("t") == "d":
                    opaque.add(q)

        def under_opaque(d):
            return any(d == o or d.startswith(o + "/") for o in opaque)
        return {p: e for p, e in L.items()
                if not (e["t"] == "wh" and under_opaque(parent(p)))}

    def order(self, L):
        """Tar order: depth first, parents first, siblings (markers too) shuffled."""
        kids = {}
        for p in L:
            kids.setdefault(parent(p), []).append(p)
        out = []

        def walk(d):
            ch = kids.get(d, [])
            self.r.shuffle(ch)
            for p in ch:
                out.append(L[p])
                if L[p]["t"] == "d":
                    walk(p)
        walk("")
        # hard links after their targets
        done = set()
        res = []
        pending = []
        for e in out:
            if e["t"] == "h" and e["target"] not in done:
                pending.append(e)
                continue
            res.append(e)
            done.add(e["p"])
        while pending:      # a link to a link waits for that link
            ready = [e for e in pending if e["target"] in done]
            if not ready:
                break
            for e in ready:
                res.append(e)
                done.add(e["p"])
                pending.remove(e)
        return res

    def apply(self, entries):
        """OCI changeset semantics on the model (whiteouts first)."""
        for e in entries:
            if e["t"] == "opq":
                d = parent(e["p"])
                for k in [k for k in self.model if k.startswith(d + "/")]:
                    del self.model[k]
            elif e["t"] == "wh":
                q = (parent(e["p"]) + "/" if parent(e["p"]) else "") + base(e["p"])[4:]
                for k in [k for k in self.model if k == q or k.startswith(q + "/")]:
                    del self.model[k]
        for e in entries:
            if e["t"] in ("wh", "opq"):
                continue
            p = e["p"]
            t = self.model.get(e["target"], "f") if e["t"] == "h" else e["t"]
            old = self.model.get(p)
            if old == "d" and t != "d":
                for k in [k for k in self.model if k.startswith(p + "/")]:
                    del self.model[k]
            self.model[p] = t
            if t == "l":
                self.targets[p] = self.targets.get(e["target"], "") \
                    if e["t"] == "h" else e["target"]

    # ------------------------------------------------------------ script
    # The commands themselves: genscript.py, on a model of the merged view.
    def text(self):
        r = self.r
        return r.choice(["", "hello", "two\nlines\n", "\udcff\x01bin", "x" * r.randint(1, 3000),
                         "with 'quotes' and \"dq\"", "tab\there", "#not comment"])

    def mode(self):
        # special bits in four digits and in five or more (coreutils keeps
        # a directory's setuid/setgid for the former, mode_compile)
        return self.r.choice(["0755", "0644", "4755", "2755", "1777", "0700",
                              "0", "0600", "6711", "2775", "0444", "1755",
                              "00755", "02755", "3755", "000700", "04755"])

    def inputs(self, case_inputs):
        """The host tree for copy-in: in/..."""
        r = self.r
        out = []
        for i in range(r.randint(0, 3)):
            if r.random() < 0.5:
                p = "in/f%d" % i
                case_inputs.append({"t": "f", "p": p, "mode": r.choice([0o644, 0o755, 0o4755, 0o600]),
                                    "data": self.data()})
            else:
                p = "in/d%d" % i
                case_inputs.append({"t": "d", "p": p, "mode": r.choice([0o755, 0o700, 0o2755])})
                for j in range(r.randint(0, 3)):
                    q = "%s/%s" % (p, self.name())
                    if any(e["p"] == q for e in case_inputs):
                        continue
                    if r.random() < 0.8:
                        case_inputs.append({"t": "f", "p": q, "mode": r.choice([0o644, 0o755]),
                                            "data": self.data()})
                    else:
                        case_inputs.append({"t": "l", "p": q, "target": r.choice(["x", "/etc/passwd", "../d"])})
            out.append(p)
        return out

    def case(self):
        r = self.r
        layers = []
        n = r.choices([1, 2, 3, 4, 5, 6], [10, 25, 25, 20, 12, 8])[0]
        if r.random() < 0.3:
            # an /etc/passwd and /etc/group for chown by name
            base_entries = [
                {"t": "d", "p": "etc", "mode": 0o755, "uid": 0, "gid": 0, "mtime": [EPOCH_MIN, 0]},
                {"t": "f", "p": "etc/passwd", "mode": 0o644, "uid": 0, "gid": 0, "mtime": [EPOCH_MIN, 0],
                 "data": "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\nuser:x:1000:1000::/home:/bin/sh\n"},
                {"t": "f", "p": "etc/group", "mode": 0o644, "uid": 0, "gid": 0, "mtime": [EPOCH_MIN, 0],
                 "data": "root:x:0:\ndaemon:x:1:\ntty:x:5:\nuser:x:1000:\n"},
                {"t": "f", "p": "etc/nsswitch.conf", "mode": 0o644, "uid": 0, "gid": 0,
                 "mtime": [EPOCH_MIN, 0], "data": "passwd: files\ngroup: files\n"},
            ]
        else:
            base_entries = []
        for i in range(n):
            L = self.layer(i == 0)
            if i == 0 and base_entries:
                L = base_entries + \
                    [e for e in L if e["p"] != "etc" and not e["p"].startswith("etc/")]
                # hard links whose target went (to etc/, or to such a link)
                seen, kept = set(), []
                for e in L:
                    if e["t"] == "h" and e["target"] not in seen:
                        continue
                    kept.append(e)
                    if e["t"] not in ("d", "wh", "opq"):
                        seen.add(e["p"])
                L = kept
            self.apply(L)
            layers.append(L)
        case_inputs = []
        self.inputs(case_inputs)
        view = genscript.View()
        passwd = None
        for i, L in enumerate(layers):
            view.apply_layer(L)
            if i == 0 and base_entries:
                passwd = view.passwd_inos()
        sc = genscript.Script(self, view, case_inputs, passwd)
        # about one case in four ends in a deliberate error
        cmds = sc.commands(r.randint(1, 12), r.random() < 0.25)
        return {"seed": self.seed, "layers": layers, "inputs": case_inputs, "cmds": cmds}


# ---------------------------------------------------------------- writing
def quote(w):
    """One script word for the string w (surrogateescape str)."""
    b = sx(w)
    if b and all(32 < c < 127 and chr(c) not in "'\"\\#<" for c in b):
        return w
    if b and all(32 <= c < 127 for c in b) and b"'" not in b and random.random() < 0.5:
        return "'" + w + "'"
    out = ['"']
    for c in b:
        ch = chr(c)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % c)
    out.append('"')
    return "".join(out)


def script_text(cmds):
    """The script, and each command's first line (1-based)."""
    lines = ["# generated by tests/conformance/gen.py"]
    starts = []
    rq = random.Random(len(cmds))
    for c in cmds:
        starts.append(len(lines) + 1)
        random.seed(rq.random())
        words = [quote(w) for w in c["argv"]]
        if c.get("glob"):
            i, d, g = c["glob"]
            words[i] = (quote(d) if d else "") + "/" + g
        if c.get("heredoc") is not None:
            words.append("<<EOF")
            lines.append(" ".join(words))
            lines.extend(c["heredoc"].split("\n")[:-1] if c["heredoc"].endswith("\n")
                         else ([c["heredoc"]] if c["heredoc"] else []))
            lines.append("EOF")
        else:
            lines.append(" ".join(words))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"), starts


def write_tar(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as tf:
        for e in entries:
            t = e["t"]
            p = e["p"]
            if t == "wh" or t == "opq":
                ti = tarfile.TarInfo(p)
                ti.type, ti.mode, ti.mtime = tarfile.REGTYPE, 0o644, EPOCH_MIN
                tf.addfile(ti, io.BytesIO(b""))
                continue
            if t == "h":
                ti = tarfile.TarInfo(p)
                ti.type, ti.linkname, ti.mode, ti.mtime = tarfile.LNKTYPE, e["target"], 0o644, EPOCH_MIN
                tf.addfile(ti)
                continue
            ti = tarfile.TarInfo(p)
            ti.mode = e["mode"]
            ti.uid, ti.gid = e["uid"], e["gid"]
            ti.uname = ti.gname = ""
            s, ns = e["mtime"]
            ti.mtime = s
            if ns:
                ti.pax_headers["mtime"] = "%d.%09d" % (s, ns)
            for k, v in e.get("xattrs", {}).items():
                ti.pax_headers["SCHILY.xattr." + k] = v
            data = None
            if t == "d":
                ti.type = tarfile.DIRTYPE
            elif t == "f":
                ti.type = tarfile.REGTYPE
                data = content(e["data"])
                ti.size = len(data)
            elif t == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, e["target"]
            elif t in "cb":
                ti.type = tarfile.CHRTYPE if t == "c" else tarfile.BLKTYPE
                ti.devmajor, ti.devminor = e["dev"]
            elif t == "p":
                ti.type = tarfile.FIFOTYPE
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)


def materialize(case, out):
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.startswith("layer") and f.endswith(".tar"):
            os.unlink(os.path.join(out, f))
    for i, L in enumerate(case["layers"], 1):
        write_tar(os.path.join(out, "layer%d.tar" % i), L)
    ind = os.path.join(out, "in")
    if os.path.isdir(ind):
        import shutil
        shutil.rmtree(ind)
    os.makedirs(ind)
    for e in case["inputs"]:
        p = os.path.join(out, sx(e["p"]).decode("utf-8", "surrogateescape"))
        if e["t"] == "d":
            os.makedirs(p, exist_ok=True)
        elif e["t"] == "f":
            with open(p, "wb") as f:
                f.write(content(e["data"]))
        elif e["t"] == "l":
            os.symlink(e["target"], p)
    for e in sorted(case["inputs"], key=lambda e: -len(e["p"])):
        if e["t"] != "l":
            os.chmod(os.path.join(out, e["p"]), e["mode"])
    text, starts = script_text(case["cmds"])
    for c, s in zip(case["cmds"], starts):
        c["line"] = s
    with open(os.path.join(out, "script.ots"), "wb") as f:
        f.write(text)
    with open(os.path.join(out, "case.json"), "w") as f:
        json.dump(case, f, indent=1)


def generate(seed):
    return Gen(seed).case()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    materialize(generate(int(sys.argv[1])), sys.argv[2])
