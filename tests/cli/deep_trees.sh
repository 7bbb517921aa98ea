# deep_trees.sh -- a tree 30,000 directories deep (issue 14, point 1), made
# by one long layer entry under a raised --max-path-depth and by a script
# (mkdir -p and mv): every walk holds (export, readdir merge, rm -r, the
# copy and the move behind mv, inspect, dir: output under a small fd limit,
# freeing), and --max-path-depth bounds what a script builds as well as
# what a layer holds.
. "$TESTS/cli/lib/common.sh"

DEPTH=30000
python3 - "$DEPTH" <<'PY' || fail "cannot make the layers"
import io, sys, tarfile
depth = int(sys.argv[1])
def layer(name, path):
    with tarfile.open(name, "w", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo(path)
        ti.size = 3
        tf.addfile(ti, io.BytesIO(b"hi\n"))
# one entry, its 30,000 parents implied
layer("deep.tar", "/".join(["a"] * depth) + "/f")
# a script: 15 times a 2,000-deep chain with the tree so far moved under it
chain = "/".join(["a"] * 2000)
with open("deep.ots", "w") as f:
    f.write("mkdir -p /d\nwrite /d/f hi\n")
    for _ in range(15):
        f.write("mkdir -p /n/%s\nmv /d /n/%s/d\nmv /n /d\n" % (chain, chain))
with open("deeper.ots", "w") as f:
    f.write("mkdir -p /x/%s\n" % "/".join(["b"] * 150))
PY
tar cf empty.tar -T /dev/null
ulimit -n 256 2>/dev/null || true	# dir: output needs no fd per level
MAX="--max-path-depth 40000"

# the depth of the one file under $1 (its parents' count), not its path
depth_of() { find "$1" -type f -printf '%d\n'; }

# the limit holds for a layer, and for a script at each of its commands
"$OVERTAR" flatten -o out.tar deep.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "deep layer without a raised limit: exit $rc"
grep -q "deeper than 4096 components" err || fail "deep layer: $(head -c 300 err)"
"$OVERTAR" build -f deep.ots -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "deep script without a raised limit: exit $rc"
[ "$(cat err)" = "deep.ots:10: mv: /d: deeper than 4096 components (--max-path-depth)" ] ||
	fail "deep script: $(head -c 300 err)"
"$OVERTAR" build --max-path-depth 100 -f deeper.ots -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "mkdir -p past the limit: exit $rc"
grep -q "^deeper.ots:1: mkdir: .*: deeper than 100 components (--max-path-depth)$" err ||
	fail "mkdir -p past the limit: $(head -c 300 err)"
[ ! -e out.tar ] || fail "output left behind"

# the layer: dir: output, inspect, rm -r, mv (EXDEV: copy, then remove)
"$OVERTAR" flatten $MAX -o dir:flat deep.tar 2>err || fail "flatten -o dir: $(head -c 300 err)"
[ "$(depth_of flat)" = "$((DEPTH + 1))" ] || fail "dir: output is $(depth_of flat) deep"
"$OVERTAR" inspect $MAX deep.tar >inspect.out 2>err || fail "inspect: $(head -c 300 err)"
"$OVERTAR" build $MAX -e 'rm -r /a' --emit layer -o rm.tar deep.tar 2>err || fail "rm -r: $(head -c 300 err)"
[ "$(tar tf rm.tar)" = ".wh.a" ] || fail "rm -r left: $(tar tf rm.tar | head -c 300)"
"$OVERTAR" build $MAX -e 'mv /a /b' -e 'touch /b/a/a/a' -e 'rm -r /b' \
	--emit layer -o mv.tar deep.tar 2>err || fail "mv: $(head -c 300 err)"
[ "$(tar tf mv.tar)" = ".wh.a" ] || fail "mv, rm -r left: $(tar tf mv.tar | head -c 300)"
"$OVERTAR" build $MAX -e 'cp -a /a /c' -e 'rm -r /a' -e 'touch /c/a/a/a' \
	-e 'rm -r /c' --emit layer -o cp.tar deep.tar 2>err || fail "cp -a: $(head -c 300 err)"
[ "$(tar tf cp.tar)" = ".wh.a" ] || fail "cp -a, rm -r left: $(tar tf cp.tar | head -c 300)"

# the script: built 30,015 deep, written out, and removed again
"$OVERTAR" build $MAX -f deep.ots -o dir:made empty.tar 2>err ||
	fail "deep script: $(head -c 300 err)"
[ "$(depth_of made)" = 30017 ] || fail "the script's tree is $(depth_of made) deep"
"$OVERTAR" build $MAX -f deep.ots -e 'rm -r /d' --emit layer -o made.tar empty.tar 2>err ||
	fail "deep script, rm -r: $(head -c 300 err)"
[ "$(tar tf made.tar)" = "" ] || fail "rm -r of the script's tree left: $(tar tf made.tar | head -c 200)"
exit 0
