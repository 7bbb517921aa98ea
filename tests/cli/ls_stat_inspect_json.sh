# ls_stat_inspect_json.sh -- --json of ls, stat and inspect: JSON Lines with
# the keys overtar(1) documents (JSON SCHEMA), read back with python's json
# module. Values checked against the hand-derived answers of the sample
# (testdata/README.md; inspect's numbers as in inspect_sample_summary.sh);
# the non-UTF-8 name caf\xe9.txt comes back as \udce9 and turns into its
# bytes again with Python's surrogateescape.
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"
# shellcheck disable=SC2086
run_ok "ls --json" "$OVERTAR" ls --json $L -- /home/app /usr/bin/busybox /dev/null
mv run.out ls.json
# shellcheck disable=SC2086
run_ok "ls -R --json" "$OVERTAR" ls -R --json $L
mv run.out lsR.json
# shellcheck disable=SC2086
run_ok "stat --json" "$OVERTAR" stat --json $L -- /usr/bin/ping /home/app /bin/sh
mv run.out stat.json
# shellcheck disable=SC2086
run_ok "inspect --json" "$OVERTAR" inspect --json --top 3 $L
mv run.out inspect.json
# shellcheck disable=SC2086
run_ok "inspect --json --layer 4" "$OVERTAR" inspect --json --layer 4 $L
mv run.out layer4.json

SAMPLE=$SAMPLE python3 - <<'PY' || fail "JSON output is not what overtar(1) says"
import json, os
S = os.environ["SAMPLE"]
ENTRY = ["path", "name", "type", "mode", "uid", "gid", "size", "nlink",
         "mtime", "mtime_nsec", "layer", "layer_file"]

def lines(f):
    return [json.loads(l) for l in open(f, encoding="utf-8")]

def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)

ls = lines("ls.json")
# operands first (busybox symlink, /dev/null), then /home/app's entries
check([o["path"] for o in ls] == ["/usr/bin/busybox", "/dev/null",
      "/home/app/caf\udce9.txt", "/home/app/notes file.txt"], "ls paths")
for o in ls:
    check(list(o)[:12] == ENTRY, "ls keys in order: %r" % list(o))
b = ls[0]
check(b["type"] == "symlink" and b["target"] == "/bin/busybox" and
      b["size"] == 12 and b["layer"] == 1 and
      b["layer_file"] == S + "/layer1.tar", "busybox: %r" % b)
n = ls[1]
check(n["type"] == "char" and n["major"] == 1 and n["minor"] == 3 and
      n["mode"] == "0666", "dev/null: %r" % n)
c = ls[2]
check(c["name"].encode("utf-8", "surrogateescape") == b"caf\xe9.txt",
      "surrogateescape round trip")
check(c["uid"] == 1000 and c["size"] == 13 and c["layer"] == 2 and
      c["mtime"] == 1700086400, "cafe: %r" % c)

# ls -R: every entry of the flattened tree (52 in expected.list), once
allp = [o["path"] for o in lines("lsR.json")]
check(len(allp) == 52 and len(set(allp)) == 52, "ls -R: %d entries" % len(allp))

st = lines("stat.json")
p = st[0]
check(p["xattrs"] == [{"name": "security.capability",
      "value": "\x01\x00\x00\x02\x00\x20" + "\x00" * 14}], "ping xattrs")
h = st[1]
check(h["type"] == "dir" and h["mode"] == "0700" and h["nlink"] == 2 and
      h["layer"] == 3 and h["xattrs"] == [{"name": "user.comment",
      "value": "app home"}], "home/app: %r" % h)
s = st[2]
check(s["nlink"] == 2 and s["layer_nlink"] == 2, "bin/sh links")

ins = lines("inspect.json")
lay = [o for o in ins if o["record"] == "layer"]
want = [(1, 58, 0, 0, 21, 276, 129), (2, 6, 11, 8, 6, 73, 9),
        (3, 3, 10, 9, 3, 79, 0), (4, 5, 9, 3, 5, 61, 0)]
got = [(o["layer"], o["added"], o["modified"], o["removed"], o["files"],
        o["bytes"], o["wasted"]) for o in lay]
check(got == want, "inspect layers: %r" % got)
img = [o for o in ins if o["record"] == "image"]
check(len(img) == 1 and img[0]["bytes"] == 489 and img[0]["wasted"] == 138
      and abs(img[0]["efficiency"] - 351 / 489) < 1e-6
      and abs(img[0]["wasted_percent"] - 13800 / 489) < 1e-5, "image: %r" % img)
check(img[0]["size_bytes"] == 489 and img[0]["user_size_bytes"] == 213
      and img[0]["wasted_bytes"] == 113
      and img[0]["dive_efficiency"] == 0.759493670886076
      and img[0]["user_wasted_percent"] == 113 / 213, "dive: %r" % img)
check([(o["digest"], o["command"]) for o in lay] == [(None, None)] * 4,
      "plain layers have no digest or command: %r" % lay)
ineff = [(o["path"], o["count"], o["bytes"]) for o in ins
         if o["record"] == "inefficient"]
check(ineff[:2] == [("/etc/oldconf", 3, 47), ("/srv/both", 3, 34)],
      "inefficient: %r" % ineff)
w = [(o["path"], o["bytes"], o["layer"], o["by"]) for o in ins
     if o["record"] == "wasted"]
check(w == [("/etc/oldconf", 20, 1, 2), ("/etc/motd", 18, 1, 2),
            ("/srv/both", 17, 1, 4)], "wasted: %r" % w)

ch = lines("layer4.json")
check(len(ch) == 17 and ch[0] == {"change": "M", "path": "/lib",
      "type": "dir", "size": 0} and ch[-1] == {"change": "D",
      "path": "/usr/share/doc/base/copyright", "type": "file", "size": 15},
      "layer 4 changes: %r" % ch[:2])
PY
exit 0
