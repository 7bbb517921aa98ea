# image_docker_archive_many.sh -- a docker-archive with many members and a
# manifest naming many layers (issue 14, point 14: 200,000 members took
# 23 s before the error, a lookup per layer through every member): the
# layer count is checked against the config before any lookup, and
# members are indexed once (the first of a name wins, links followed).
. "$TESTS/cli/lib/common.sh"

python3 - <<'PY' || fail "cannot make the archives"
import hashlib, io, json, tarfile
def member(tf, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data))
lbuf = io.BytesIO()
with tarfile.open(fileobj=lbuf, mode="w") as lt:
    member(lt, "f", b"first\n")
layer = lbuf.getvalue()
lbuf = io.BytesIO()
with tarfile.open(fileobj=lbuf, mode="w") as lt:
    member(lt, "f", b"second\n")
other = lbuf.getvalue()
dg = "sha256:" + hashlib.sha256(layer).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": [dg]}}).encode()
with tarfile.open("many.tar", "w") as tf:
    member(tf, "manifest.json", json.dumps([{"Config": "c.json",
        "Layers": ["missing/%05d.tar" % i for i in range(20000)]}]).encode())
    member(tf, "c.json", cfg)
    for i in range(20000):
        member(tf, "m/%05d" % i, b"")
# one layer among many members, named twice (the first counts) and
# reached through a symlink as docker save writes them
with tarfile.open("one.tar", "w") as tf:
    member(tf, "manifest.json", json.dumps([{"Config": "c.json",
        "Layers": ["id/layer.tar"]}]).encode())
    member(tf, "c.json", cfg)
    for i in range(20000):
        member(tf, "m/%05d" % i, b"")
    member(tf, "l.tar", layer)
    member(tf, "l.tar", other)
    ti = tarfile.TarInfo("id/layer.tar")
    ti.type = tarfile.SYMTYPE
    ti.linkname = "../l.tar"
    tf.addfile(ti)
PY
"$OVERTAR" ls docker-archive:many.tar 2>err; rc=$?
[ "$rc" = 1 ] && [ "$(cat err)" = "overtar: image 'docker-archive:many.tar': config has 1 rootfs.diff_ids for 20000 layers" ] ||
	fail "many layers: exit $rc: $(cat err)"
"$OVERTAR" cat docker-archive:one.tar -- /f >out 2>err || fail "one layer: $(cat err)"
[ "$(cat out)" = first ] || fail "one layer: the wrong member: $(cat out)"
exit 0
