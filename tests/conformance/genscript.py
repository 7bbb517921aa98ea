"""genscript.py -- the edit script of a generated case (used by gen.py).

The commands are picked from a live model of the merged view (View): every
path is resolved as the kernel resolves it in the oracle's chroot (symlinks
followed, absolute targets and `..` inside the image root), and each command
is generated with operands for which it succeeds, then applied to the model,
so that the next command sees the tree the previous ones left. A command the
model cannot place is dropped and another drawn.

Failures are deliberate and few: some cases end in one error command, marked
with "expect" (the errno class the kernel gives, compared by conform.py with
overtar's reason); nothing after it would run.

What the model does not know it avoids, rather than guesses: hard-linked
files as the destination of mv or cp (the "same file" rules), merging into an
existing directory, symlink loops, fifos and devices opened for writing.
"""

EXIST_KINDS = "fdlpcb"


def parent(p):
    return p.rpartition("/")[0]


def base(p):
    return p.rpartition("/")[2]


def under(p, d):
    """p is d or below it."""
    return p == d or p.startswith(d + "/")


class View:
    """The merged view: path -> node {"t": type letter, "target", "x": set of
    xattr names, "ino"}; "" is the root directory."""

    def __init__(self):
        self.n = {"": {"t": "d", "x": set(), "ino": 0}}
        self.next_ino = 1

    # ---------------------------------------------------------- building
    def ino(self):
        self.next_ino += 1
        return self.next_ino

    def put(self, p, t, target=None, xattrs=(), ino=None):
        old = self.n.get(p)
        if old and old["t"] == "d" and t != "d":
            self.remove(p)
        self.n[p] = {"t": t, "target": target, "x": set(xattrs),
                     "ino": ino if ino is not None else self.ino()}

    def remove(self, p):
        for k in [k for k in self.n if k and under(k, p)]:
            del self.n[k]

    def apply_layer(self, entries):
        """OCI changeset semantics, as Gen.apply(): whiteouts first."""
        for e in entries:
            d = parent(e["p"])
            if e["t"] == "opq":
                for k in [k for k in self.n if k.startswith(d + "/")]:
                    del self.n[k]
            elif e["t"] == "wh":
                self.remove((d + "/" if d else "") + base(e["p"])[4:])
        for e in entries:
            if e["t"] in ("wh", "opq"):
                continue
            if e["t"] == "h":
                src = self.n.get(e["target"])
                if src:
                    self.put(e["p"], src["t"], src.get("target"),
                             xattrs=src["x"], ino=src["ino"])
                    self.n[e["p"]]["lower"] = True
                continue
            self.put(e["p"], e["t"], e.get("target"), e.get("xattrs", {}))
            self.n[e["p"]]["lower"] = True      # a layer's: mv copies it

    def copy(self, src, dst, xattrs):
        """cp -R of src's subtree to dst (hard links inside kept together)."""
        inos = {}
        for k in sorted([k for k in self.n if under(k, src)]):
            o = self.n[k]
            if o["ino"] not in inos:
                inos[o["ino"]] = self.ino()
            self.n[dst + k[len(src):]] = {
                "t": o["t"], "target": o.get("target"),
                "x": set(o["x"]) - {"security.capability"} if xattrs else set(),
                "ino": inos[o["ino"]]}

    def move(self, src, dst):
        moved = {k: self.n[k] for k in self.n if under(k, src)}
        self.remove(src)
        for k, o in moved.items():
            self.n[dst + k[len(src):]] = o

    # ---------------------------------------------------------- asking
    def t(self, p):
        o = self.n.get(p)
        return o["t"] if o else None

    PASSWD = ("etc/passwd", "etc/group", "etc/nsswitch.conf")

    def passwd_inos(self):
        """Which files the chroot's user and group names come from."""
        return [self.n[p]["ino"] if p in self.n else None for p in self.PASSWD]

    def linked(self, p):
        """p is a file with another name (a hard link) somewhere."""
        o = self.n.get(p)
        return bool(o) and sum(1 for q in self.n.values() if q["ino"] == o["ino"]) > 1

    def children(self, d):
        pre = d + "/" if d else ""
        return [k for k in self.n if k and k.startswith(pre) and "/" not in k[len(pre):]]

    def resolve(self, s, follow=True):
        """Where the path string s leads: ("ok", path) for an existing entry,
        ("missing", path) when only its last component is missing (its
        parent is a directory), ("error", errno name) otherwise. follow:
        whether a symlink as the last component is followed."""
        comps = [c for c in s.split("/") if c]
        if s.endswith("/") and comps:
            follow = True
        cur, hops = "", 0
        while comps:
            c = comps.pop(0)
            last = not comps
            if c == ".":
                continue
            if c == "..":
                cur = parent(cur)
                continue
            nxt = cur + "/" + c if cur else c
            t = self.t(nxt)
            if t is None:
                return ("missing", nxt) if last else ("error", "ENOENT")
            if t == "l" and (follow or not last):
                hops += 1
                if hops > 40:
                    return ("error", "ELOOP")
                tg = self.n[nxt]["target"]
                if tg.startswith("/"):
                    cur = ""
                comps = [x for x in tg.split("/") if x] + comps
                if not comps:
                    return ("ok", cur)
                continue
            if not last and t != "d":
                return ("error", "ENOTDIR")
            cur = nxt
        return ("ok", cur)


class Script:
    """Draws commands (dicts with argv, heredoc, maybe expect) for a case."""

    def __init__(self, g, view, inputs, passwd):
        self.g = g
        self.r = g.r
        self.v = view
        self.inputs = inputs          # the case's copy-in inputs (entries)
        self.passwd = passwd          # View.passwd_inos() of the base layer

    def has_passwd(self):
        """The base layer's passwd, group and nsswitch.conf are still there,
        unchanged: chown may name users and groups."""
        return self.passwd is not None and None not in self.passwd and \
            self.v.passwd_inos() == self.passwd

    # ---------------------------------------------------------- paths
    def spell(self, p, follow):
        """A script word naming p: mostly /p, sometimes relative, through
        /../ or through a symlink to its parent, kept only when the model
        resolves it to the same place."""
        r = self.r
        s = "/" + p
        x = r.random()
        if x < 0.05:
            s = p
        elif x < 0.08:
            s = "/../" + p
        elif x < 0.2 and parent(p) != "":
            links = [k for k, o in sorted(self.v.n.items()) if o["t"] == "l"
                     and self.v.resolve("/" + k) == ("ok", parent(p))]
            if links:
                s = "/" + r.choice(links) + "/" + base(p)
        if self.v.resolve(s, follow) != self.v.resolve("/" + p, follow):
            s = "/" + p
        return s

    def existing(self, ok, follow=True):
        """(word, named path, resolved path) of an entry for which
        ok(named, resolved) holds, or None."""
        cands = []
        for p in sorted(self.v.n):
            if not p:
                continue
            k, q = self.v.resolve("/" + p, follow)
            if k == "ok" and q and ok(p, q):
                cands.append((p, q))
        if not cands:
            return None
        p, q = self.r.choice(cands)
        return self.spell(p, follow), p, q

    def dirs(self):
        return [p for p in sorted(self.v.n) if self.v.t(p) == "d"]

    def new_name(self, avoid=None):
        """(word, path) of a name that does not exist, in an existing
        directory not under avoid."""
        ds = [d for d in self.dirs() if avoid is None or not under(d, avoid)]
        if avoid == "" or not ds:
            return None
        d = self.r.choice(ds)
        for _ in range(5):
            n = self.g.name()
            p = d + "/" + n if d else n
            if self.v.t(p) is None and not (d == "" and n == ".oracle"):
                w = self.spell(p, False) if d else "/" + n
                if self.v.resolve(w, False) == ("missing", p):
                    return w, p
                return "/" + p, p
        return None

    def a_dir(self, avoid=None):
        """(word, path) of an existing directory, maybe through a symlink;
        neither the word's path nor where it leads under avoid."""
        e = self.existing(lambda p, q: self.v.t(q) == "d" and
                          (avoid is None or not (under(q, avoid) or under(p, avoid))))
        if e and avoid is not None and e[0] != "/" + e[1] and avoid in e[0]:
            return e[1] and ("/" + e[1], e[2])
        return (e[0], e[2]) if e else None

    # ---------------------------------------------------------- commands
    def mkdir(self, argv):
        r = self.r
        if r.random() < 0.4:
            argv.append("-p")
        if r.random() < 0.3:
            argv += ["-m", self.g.mode()]
        made = []
        for _ in range(r.randint(1, 2)):
            if "-p" in argv and r.random() < 0.5:
                d = self.a_dir()
                if not d:
                    return None
                w, p = d
                for _ in range(r.randint(0, 3)):
                    n = self.g.name()
                    p, w = p + "/" + n if p else n, w.rstrip("/") + "/" + n
                    if self.v.t(p) not in (None, "d"):
                        return None
                    made.append(p)
                argv.append(w)
            else:
                nn = self.new_name()
                if not nn:
                    return None
                argv.append(nn[0])
                made.append(nn[1])
            for p in made:
                if self.v.t(p) is None:
                    self.v.put(p, "d")
        return argv

    def write(self, argv):
        """write/append/truncate: a regular file, or a new one."""
        r = self.r
        if argv[0] == "write" and r.random() < 0.3:
            argv += ["-m", self.g.mode()]
        if argv[0] == "truncate":
            argv += ["-s", r.choice(["0", "5", "100", "1K", "2000000", "3"])]
        e = self.existing(lambda p, q: self.v.t(q) == "f") if r.random() < 0.6 else None
        if e:
            w, q = e[0], e[2]
            self.v.n[q]["x"].discard("security.capability")
            if q in self.v.PASSWD:
                self.passwd = None
        else:
            nn = self.new_name()
            if not nn:
                return None
            w, q = nn
            self.v.put(q, "f")
        argv.append(w)
        return argv

    def copy_in(self, argv):
        tops = [e for e in self.inputs if e["p"].count("/") == 1]
        if not tops:
            return None
        src = self.r.choice(tops)
        if self.r.random() < 0.6:
            d = self.a_dir()
            if not d or self.v.t((d[1] + "/" if d[1] else "") + base(src["p"])) is not None:
                return None
            w, dst = d[0], (d[1] + "/" if d[1] else "") + base(src["p"])
        else:
            nn = self.new_name()
            if not nn:
                return None
            w, dst = nn
        for e in self.inputs:
            if under(e["p"], src["p"]):
                self.v.put(dst + e["p"][len(src["p"]):], e["t"], e.get("target"))
        return argv + [src["p"], w]

    def rm(self, argv):
        r = self.r
        rec = r.random() < 0.4
        if rec:
            argv.append("-r")
        if r.random() < 0.3:
            argv.append("-f")
        for _ in range(r.randint(1, 2)):
            if "-f" in argv and r.random() < 0.15:
                nn = self.new_name()        # rm -f of nothing succeeds
                if nn:
                    argv.append(nn[0])
                continue
            e = self.existing(lambda p, q: rec or self.v.t(q) != "d", follow=False)
            if not e:
                return None
            argv.append(e[0])
            self.v.remove(e[2])
        return argv if len(argv) > 1 and not argv[-1].startswith("-") else None

    def rmdir(self, argv):
        e = self.existing(lambda p, q: self.v.t(q) == "d" and not self.v.children(q),
                          follow=False)
        if not e:
            return None
        self.v.remove(e[2])
        return argv + [e[0]]

    def dest(self, src, name):
        """(word, path) where mv or cp puts src: a new name, or name in an
        existing directory, never under src."""
        if self.r.random() < 0.4:
            d = self.a_dir(avoid=src)
            if d:
                q = (d[1] + "/" if d[1] else "") + name
                if self.v.t(q) is None:
                    return d[0], q
        return self.new_name(avoid=src)

    def mv(self, argv):
        e = self.existing(lambda p, q: True, follow=False)
        if not e:
            return None
        d = self.dest(e[2], base(e[1]))
        if not d:
            return None
        self.v.move(e[2], d[1])
        return argv + [e[0], d[0]]

    def cp(self, argv):
        r = self.r
        opt = r.choice(["", "", "-r", "-a"])
        if opt:
            argv.append(opt)
            e = self.existing(lambda p, q: True, follow=False)
        else:       # cp without -r follows SOURCE and copies a regular file
            e = self.existing(lambda p, q: self.v.t(q) == "f")
        if not e:
            return None
        src = e[2]
        d = self.dest(src, base(e[1]))
        if not d:
            return None
        self.v.copy(src, d[1], opt == "-a")
        return argv + [e[0], d[0]]

    def ln(self, argv):
        r = self.r
        if r.random() < 0.6:
            argv.append("-s")
            e = self.existing(lambda p, q: True, follow=False)
            tgt = e[0] if e and r.random() < 0.6 else \
                r.choice(["../x", "rel target", "/abs/t", "a"])
        else:
            e = self.existing(lambda p, q: self.v.t(q) != "d", follow=False)
            if not e:
                return None
            tgt = e[0]
        if r.random() < 0.2:
            argv.append("-f")
        if r.random() < 0.2:
            d = self.a_dir()
            q = (d[1] + "/" if d and d[1] else "") + base(tgt.rstrip("/"))
            if not d or base(tgt.rstrip("/")) in ("", ".", "..") or self.v.t(q) is not None:
                return None
            w = d[0]
        else:
            nn = self.new_name()
            if not nn:
                return None
            w, q = nn
        if "-s" in argv:
            self.v.put(q, "l", target=tgt)
        else:
            o = self.v.n[e[2]]
            self.v.n[q] = {"t": o["t"], "target": o.get("target"), "x": o["x"],
                           "ino": o["ino"]}
        return argv + [tgt, w]

    def chmod(self, argv):
        e = self.existing(lambda p, q: True)
        return argv + [self.g.mode(), e[0]] if e else None

    # ---------------------------------------------------------- issue 16
    # chown -R, chmod -R, symbolic modes; patterns (at the end of a case).
    def symmode(self):
        """A symbolic mode of chmod(1): [ugoa]*([-+=]([rwxXst]*|[ugo]))+,..."""
        r = self.r

        def clause():
            who = "".join(sorted(set(r.choice("ugoa") for _ in range(r.randint(1, 2))))) \
                if r.random() < 0.6 else ""
            ops = ""
            for _ in range(r.randint(1, 2)):
                perm = r.choice("ugo") if r.random() < 0.12 else \
                    "".join(r.sample("rwxXst", r.randint(0, 3)))
                ops += r.choice("+-=") + perm
            return who + ops
        return ",".join(clause() for _ in range(r.randint(1, 2)))

    def chmod_sym(self, argv):
        e = self.existing(lambda p, q: True)
        return argv + [self.symmode(), e[0]] if e else None

    def chmod_r(self, argv):
        # the top is followed (FTS_COMFOLLOW), nothing below it
        e = self.existing(lambda p, q: True)
        m = self.symmode() if self.r.random() < 0.6 else self.g.mode()
        return argv + ["-R", m, e[0]] if e else None

    def chown_r(self, argv):
        r = self.r
        if r.random() < 0.2:
            argv.append("-h")
        names = ["0", "1000", "0:0", "1:5", "1000:1000", ":5"]
        if self.has_passwd():
            names += ["root", "daemon:daemon", "user:"]
        # -R is -P: the path itself is not followed either
        e = self.existing(lambda p, q: True, follow=False)
        if not e:
            return None
        for k in self.v.n:
            if under(k, e[2]):
                self.v.n[k]["x"].discard("security.capability")
        return argv + ["-R", r.choice(names), e[0]]

    GLOBS = ["*", "?", "?*", "*.d", "[a-m]*", "[!a-m]*", "d*", "*a*", ".*",
             "*/", "*/*", "[.]*", "x*y", "[[:alpha:]]*", "*\\*", "*[0-9]"]

    def glob(self):
        """A command on a pattern: a literal directory (quoted as needed)
        and a glob part, kept as "glob": [index, dir, part] for the script
        writer and the oracle (the shell in the chroot expands it). Drawn
        last: the model does not follow what a pattern matched."""
        r = self.r
        ds = [d for d in self.dirs() if d]
        d = "/" + r.choice(ds) if ds and r.random() < 0.8 else ""
        # mostly a pattern that matches: a name's first byte and a star
        kids = [base(k) for k in self.v.children(d[1:])]
        if kids and r.random() < 0.5:
            k = r.choice(kids)
            # a byte the lexer or bash would take as syntax, or the
            # root's hidden names (the oracle's .oracle), as "?"
            g = ("?" if k[0] in " \t'\"\\#<*?[]" or (k[0] == "." and not d)
                 else k[0]) + "*"
        else:
            # ".*" at the root would meet the oracle's own .oracle
            g = r.choice([x for x in self.GLOBS if d or not x.startswith(".")])
        what = r.choice(["chmod", "rm", "chown"])
        if what == "chmod":
            argv = ["chmod"] + (["-R"] if r.random() < 0.3 else []) + \
                [self.symmode() if r.random() < 0.5 else self.g.mode()]
        elif what == "rm":
            argv = ["rm"] + [o for o in ("-r", "-f") if r.random() < 0.6]
        else:
            argv = ["chown"] + (["-R"] if r.random() < 0.4 else []) + \
                [r.choice(["0", "1000:5", ":5"])]
        argv.append(d + "/" + g)
        return {"argv": argv, "heredoc": None, "glob": [len(argv) - 1, d, g]}

    def chown(self, argv):
        r = self.r
        h = r.random() < 0.3
        if h:
            argv.append("-h")
        names = ["0", "1000", "0:0", "1:5", "1000:1000", "65534:65534", ":5"]
        if self.has_passwd():
            names += ["root", "daemon:daemon", "root:root", "user", "user:"]
        e = self.existing(lambda p, q: True, follow=not h)
        if not e:
            return None
        self.v.n[e[2]]["x"].discard("security.capability")
        return argv + [r.choice(names), e[0]]

    def touch(self, argv):
        r = self.r
        h = r.random() < 0.2
        if h:
            argv.append("-h")
        if r.random() < 0.7:
            s, ns = self.g.mtime()
            argv += ["-d", "@%d" % s if not ns or r.random() < 0.3 else "@%d.%09d" % (s, ns)]
        e = self.existing(lambda p, q: self.v.t(q) in "fdl", follow=not h) \
            if h or r.random() < 0.7 else None
        if e:
            return argv + [e[0]]
        nn = self.new_name()
        if not nn:
            return None
        self.v.put(nn[1], "f")
        return argv + [nn[0]]

    def mknod(self, argv):
        r = self.r
        if r.random() < 0.4:
            argv += ["-m", r.choice(["0600", "0666", "0644", "0620"])]
        nn = self.new_name()
        if not nn:
            return None
        t = r.choice(["p", "c", "b"])
        self.v.put(nn[1], t)
        return argv + [nn[0], t] + \
            ([str(r.randint(1, 20)), str(r.randint(0, 300))] if t != "p" else [])

    def setxattr(self, argv):
        r = self.r
        h = r.random() < 0.2
        if h:
            argv.append("-h")
        name = r.choice(["user.a", "user.k1", "user.new", "trusted.t",
                         "security.capability", "user.k0"])
        if name == "security.capability":
            val, kinds = "0x0100000200002000000000000000000000000000", "f"
        else:
            val = r.choice(["v", "0x0102", "value x"])
            # user.* only on files and directories (xattr(7))
            kinds = "fd" if name.startswith("user.") else EXIST_KINDS
        e = self.existing(lambda p, q: self.v.t(q) in kinds, follow=not h)
        if not e:
            return None
        self.v.n[e[2]]["x"].add(name)
        return argv + [name, val, e[0]]

    def rmxattr(self, argv):
        h = self.r.random() < 0.2
        if h:
            argv.append("-h")
        e = self.existing(lambda p, q: bool(self.v.n[q]["x"]), follow=not h)
        if not e:
            return None
        name = self.r.choice(sorted(self.v.n[e[2]]["x"]))
        self.v.n[e[2]]["x"].discard(name)
        return argv + [name, e[0]]

    # ---------------------------------------------------------- classes
    # Sequences of a few commands for the classes of docs/semantics.md
    # that single random commands rarely hit: each returns a list of argv
    # lists (applied to the model as it goes) or None.

    SPECIAL_MODES = ["1755", "4755", "2755", "6755", "3755", "0700", "0755",
                     "00755", "02755", "000700", "01777", "2775"]

    def link(self, src, q):
        """The model of `ln SRC Q`: one more name of src's inode."""
        o = self.v.n[src]
        self.v.n[q] = {"t": o["t"], "target": o.get("target"), "x": o["x"],
                       "ino": o["ino"]}

    def copied_up_link(self):
        """A lower non-directory copied up by a metadata change, then hard
        linked: the new name is the copied-up inode (any type)."""
        v = self.v
        e = self.existing(lambda p, q: v.t(q) not in (None, "d") and
                          v.n[q].get("lower") and v.t(p) == v.t(q),
                          follow=False)
        nn = self.new_name()
        if not e or not nn:
            return None
        w, q = e[0], e[2]
        s, ns = self.g.mtime()
        up = self.r.choice([["chown", "-h", self.r.choice(["0:0", "1000:5", "1"]), w],
                            ["touch", "-h", "-d", "@%d.%09d" % (s, ns), w]])
        v.n[q]["x"].discard("security.capability")
        v.n[q].pop("lower", None)
        self.link(q, nn[1])
        out = [up, ["ln", w, nn[0]]]
        if self.r.random() < 0.4:       # and a name of the new one again
            nn2 = self.new_name()
            if nn2:
                self.link(q, nn2[1])
                out.append(["ln", nn[0], nn2[0]])
        return out

    def setgid_dir(self):
        """mkdir -m with special bits, copies and new entries inside a
        set-group-ID directory."""
        r = self.r
        nn = self.new_name()
        if not nn:
            return None
        w, d = nn
        self.v.put(d, "d")
        out = [["mkdir", "-m", r.choice(["2755", "2775", "02755", "3755"]), w]]
        for _ in range(r.randint(1, 4)):
            k = r.random()
            n = self.g.name()
            q = d + "/" + n
            if self.v.t(q) is not None:
                continue
            if k < 0.45:
                out.append(["mkdir"] + (["-p"] if r.random() < 0.3 else []) +
                           ["-m", r.choice(self.SPECIAL_MODES), w + "/" + n])
                self.v.put(q, "d")
            elif k < 0.6:
                out.append(["write", "-m", r.choice(["0644", "4755", "2755"]),
                            w + "/" + n, "x"])
                self.v.put(q, "f")
            elif k < 0.7:
                out.append(["mknod", w + "/" + n, "p"])
                self.v.put(q, "p")
            else:
                e = self.existing(lambda p, qq: self.v.t(qq) in ("d", "f") and
                                  not under(qq, d) and not under(d, qq),
                                  follow=False)
                if not e:
                    continue
                opt = r.choice(["-a", "-a", "-r"])
                out.append(["cp", opt, e[0], w + "/" + n])
                self.v.copy(e[2], q, opt == "-a")
        if len(out) > 1 and r.random() < 0.3:
            sub = [k for k in self.v.children(d) if self.v.t(k) == "d"]
            if sub:
                out.append(["chmod", r.choice(self.SPECIAL_MODES),
                            w + "/" + base(r.choice(sub))])
        return out

    def mv_lower_tree(self):
        """mv of a directory with lower parts, into an existing directory
        or to a new name, after hard links from inside it to outside."""
        r = self.r
        v = self.v
        e = self.existing(lambda p, q: q != "" and v.t(q) == "d" and
                          v.t(p) == "d" and v.n[q].get("lower"), follow=False)
        if not e:
            return None
        w, D = e[0], e[2]
        out = []
        inside = [k for k in sorted(v.n) if k != D and under(k, D)]
        files = [k for k in inside if v.t(k) not in (None, "d")]
        for _ in range(r.randint(0, 2)):
            if not files:
                break
            src = r.choice(files)
            nn = self.new_name(avoid=D)
            if not nn:
                break
            self.link(src, nn[1])
            out.append(["ln", "/" + src, nn[0]])
        if r.random() < 0.5:    # a file the script makes, linked out too
            n = self.g.name()
            q = D + "/" + n
            nn = self.new_name(avoid=D)
            if v.t(q) is None and nn:
                v.put(q, "f")
                out.append(["write", "/" + q, "made\n"])
                self.link(q, nn[1])
                out.append(["ln", "/" + q, nn[0]])
        d = self.dest(D, base(D))
        if not d:
            return None
        v.move(D, d[1])
        out.append(["mv", w, d[0]])
        return out

    CLASSES = [("copied_up_link", 3), ("setgid_dir", 2), ("mv_lower_tree", 3)]

    def sequence(self):
        """The commands of one class sequence, or None."""
        r = self.r
        name = r.choices([c[0] for c in self.CLASSES], [c[1] for c in self.CLASSES])[0]
        saved = {k: dict(o, x=set(o["x"])) for k, o in self.v.n.items()}
        argvs = getattr(self, name)()
        if not argvs:
            self.v.n = saved
            return None
        return [{"argv": a, "heredoc": None} for a in argvs]

    # ---------------------------------------------------------- errors
    def error(self):
        """One command that fails, and the errno class the kernel gives."""
        r = self.r
        v = self.v
        kinds = []
        nn = self.new_name()
        f = self.existing(lambda p, q: v.t(q) == "f" and v.t(p) == "f", follow=False)
        d = self.existing(lambda p, q: v.t(q) == "d" and v.t(p) == "d" and q != "",
                          follow=False)
        full = self.existing(lambda p, q: v.t(p) == "d" and bool(v.children(q)),
                             follow=False)
        if nn:
            kinds += [(["rm", nn[0]], "ENOENT"), (["rmdir", nn[0]], "ENOENT"),
                      (["chmod", "0644", nn[0]], "ENOENT"),
                      (["mkdir", nn[0] + "/" + self.g.name()], "ENOENT"),
                      (["write", nn[0] + "/" + self.g.name(), "x"], "ENOENT")]
        if f:
            kinds += [(["mkdir", f[0] + "/" + self.g.name()], "ENOTDIR"),
                      (["write", f[0] + "/" + self.g.name(), "x"], "ENOTDIR"),
                      (["rmdir", f[0]], "ENOTDIR"), (["mkdir", f[0]], "EEXIST"),
                      (["mknod", f[0], "p"], "EEXIST"),
                      (["chown", "nosuch", f[0]], "EINVAL")]
        if d:
            kinds += [(["write", d[0], "x"], "EISDIR"), (["rm", d[0]], "EISDIR"),
                      (["truncate", "-s", "0", d[0]], "EISDIR"),
                      (["cp", d[0], "/" + self.g.name() + "-copy"], "EISDIR"),
                      (["ln", d[0], "/" + self.g.name() + "-link"], "EPERM")]
        if full:
            kinds.append((["rmdir", full[0]], "ENOTEMPTY"))
        x = self.existing(lambda p, q: v.t(q) in "fd" and "user.none" not in v.n[q]["x"])
        if x:
            kinds.append((["rmxattr", "user.none", x[0]], "ENODATA"))
        if not kinds:
            return None
        argv, cls = r.choice(kinds)
        return {"argv": argv, "heredoc": None, "expect": cls}

    WEIGHTS = [("mkdir", 8), ("write", 10), ("append", 5), ("copy-in", 3), ("rm", 8),
               ("rmdir", 3), ("mv", 10), ("cp", 9), ("ln", 7), ("chmod", 6),
               ("chown", 5), ("touch", 6), ("truncate", 3), ("mknod", 3),
               ("setxattr", 4), ("rmxattr", 2),
               ("chmod-sym", 4), ("chmod-R", 3), ("chown-R", 3)]

    def command(self):
        """One command that succeeds in the model, or None."""
        r = self.r
        for _ in range(20):
            c = r.choices([w[0] for w in self.WEIGHTS], [w[1] for w in self.WEIGHTS])[0]
            meth = {"write": self.write, "append": self.write, "truncate": self.write,
                    "copy-in": self.copy_in, "chmod-sym": self.chmod_sym,
                    "chmod-R": self.chmod_r, "chown-R": self.chown_r}.get(c) or getattr(self, c)
            saved = {k: dict(o, x=set(o["x"])) for k, o in self.v.n.items()}
            argv = meth([c.split("-")[0] if c.endswith(("-R", "-sym")) else c])
            if argv is None:
                self.v.n = saved
                continue
            heredoc = None
            if c in ("write", "append"):
                if r.random() < 0.2:
                    heredoc = r.choice(["", "one line\n", "a\nb\n\n", "EOF2\n  indented\n"])
                else:
                    argv.append(self.g.text())
            return {"argv": argv, "heredoc": heredoc}
        return None

    def commands(self, n, with_error):
        out = []
        for _ in range(n):
            # now and then a sequence of one of the classes (CLASSES)
            seq = self.sequence() if self.r.random() < 0.15 else None
            if seq:
                out.extend(seq)
                continue
            c = self.command()
            if c:
                out.append(c)
        if with_error or not out:
            e = self.error()
            if e:
                out.append(e)
        elif self.r.random() < 0.35:
            out.append(self.glob())
        return out
