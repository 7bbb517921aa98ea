#!/usr/bin/env python3
"""dive_metrics.py -- dive's CI figures of a stack of layers, computed the
way dive computes them, as an oracle for overtar inspect.

A second implementation, written from dive's algorithm rather than from
overtar's: wagoodman/dive dive/filetree/efficiency.go (Efficiency),
file_tree.go (AddPath, Stack, StackTreeRange, GetNode), file_node.go
(AddChild, VisitDepthChildFirst, Path), dive/image/docker/image_archive.go
(processLayerTar: a layer's size is the sum of its tar headers' sizes) and
dive/image/image.go (Analyze). It works on the tars themselves, entry by
entry, with dive's trees: opaque markers are dropped, ".wh.NAME" is a node,
parents a layer does not list are nodes without data (size 0, not a
directory), a file over a directory keeps the directory's children.

Usage: dive_metrics.py LAYER...        (plain, .gz or .zst layer tars)
       dive_metrics.py --docker-archive FILE
Prints one line: efficiency size_bytes user_size_bytes wasted_bytes
user_wasted_percent, the floats as Python's repr (the shortest digits that
read back, as Go's %v).
"""
import gzip
import io
import json
import posixpath
import subprocess
import sys
import tarfile

WH = ".wh."
OPQ = ".wh..wh."


class Node:
    def __init__(self, name, parent, info):
        self.name, self.parent, self.info = name, parent, info
        self.children = {}

    def path(self):
        names, n = [], self
        while n.parent is not None:
            name = n.name
            if n is self and name.startswith(WH):
                name = name[len(WH):]
            names.append(name)
            n = n.parent
        return "/" + "/".join(reversed(names))

    def copy(self, parent=None):
        c = Node(self.name, parent, self.info)
        for k, v in self.children.items():
            c.children[k] = v.copy(c)
        return c


EMPTY = (0, False)          # FileInfo{}: size 0, not a directory


def add_path(root, path, info):
    names = [n for n in path.strip("/").split("/")]
    node = root
    for i, name in enumerate(names):
        if name == "":
            continue
        if name in node.children:
            node = node.children[name]
        else:
            if name.startswith(OPQ):
                return
            child = Node(name, node, EMPTY)
            node.children[name] = child
            node = child
        if i == len(names) - 1:
            node.info = info


def get_node(root, path):
    node = root
    for name in path.strip("/").split("/"):
        if name == "":
            continue
        if name not in node.children:
            return None
        node = node.children[name]
    return node


def visit(node, fn, leaves_only, is_root=True):
    """dive's VisitDepthChildFirst: children by name, then the node."""
    for k in sorted(node.children, key=lambda s: s.encode("utf-8", "surrogateescape")):
        if visit(node.children[k], fn, leaves_only, False) is False:
            return False
    if is_root:
        return True
    if leaves_only and node.children:
        return True
    return fn(node)


def stack(lower, upper):
    def graft(node):
        if node.name.startswith(WH):
            n = get_node(lower, node.path())
            if n is not None and n.parent is not None:
                del n.parent.children[n.name]
        else:
            add_path(lower, node.path(), node.info)
        return True
    visit(upper, graft, False)


def layer_tree(data):
    root = Node("", None, (0, True))
    size = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as t:
        for m in t:
            name = posixpath.normpath(m.name)
            if name == ".":
                continue
            info = (m.size, m.isdir())
            size += m.size
            add_path(root, name, info)
    return root, size


def efficiency(trees):
    data = {}
    ineff = []
    for idx, tree in enumerate(trees):
        def visitor(node):
            p = node.path()
            d = data.setdefault(p, {"cum": 0, "min": -1, "nodes": 0})
            size = 0
            if node.name.startswith(WH):
                st = trees[0].copy()
                for j in range(0, idx):
                    stack(st, trees[j])
                prev = get_node(st, p)
                if prev is None:
                    return False        # dive's visitor error: layer ends
                if prev.info[1]:
                    acc = [0]

                    def sizer(n):
                        acc[0] += n.info[0]
                        return True
                    visit(prev, sizer, False, False)
                    size = acc[0]
            else:
                size = node.info[0]
            d["cum"] += size
            if d["min"] < 0 or size < d["min"]:
                d["min"] = size
            d["nodes"] += 1
            if d["nodes"] == 2:
                ineff.append(d)
            return True
        visit(tree, visitor, True)
    mins = sum(d["min"] for d in data.values())
    cums = sum(d["cum"] for d in data.values())
    score = 1.0 if cums == 0 else mins / cums
    return score, sum(d["cum"] for d in ineff)


def read_layer(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dc"], input=raw, check=True,
                              stdout=subprocess.PIPE).stdout
    return raw


def docker_layers(path):
    with tarfile.open(path) as t:
        man = json.load(t.extractfile("manifest.json"))
        return [t.extractfile(n).read() for n in man[0]["Layers"]]


def main(argv):
    if argv[:1] == ["--docker-archive"]:
        blobs = docker_layers(argv[1])
    else:
        blobs = [read_layer(p) for p in argv]
    trees, sizes = zip(*(layer_tree(b) for b in blobs))
    score, wasted = efficiency(list(trees))
    total, user = sum(sizes), sum(sizes[1:])
    pct = wasted / user if user else (float("nan") if not wasted else float("inf"))
    print(repr(score), total, user, wasted, repr(pct))


if __name__ == "__main__":
    main(sys.argv[1:])
