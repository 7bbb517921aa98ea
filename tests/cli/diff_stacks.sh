# diff_stacks.sh -- overtar diff A... -- B...: one line per path added (A),
# removed (D, everything below a removed directory too) or changed (M and
# the fields that differ), in byte order, parents first; --ignore drops
# fields; --json; -q; exit status 0 same, 1 different, 2 trouble, as
# diff(1). A stack and its flattened tar are the same; so are the corpus
# image's layers and its squashed output, when the corpus exists.
. "$TESTS/cli/lib/common.sh"

python3 - <<'EOF' || fail "making the layers"
import io, tarfile
def ent(t, name, kind=tarfile.REGTYPE, data=b"", mode=0o644, uid=0,
        mtime=100, link="", xattrs=None, dev=(0, 0)):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.mode = mode
    ti.uid = uid; ti.mtime = mtime; ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    ti.devmajor, ti.devminor = dev
    if xattrs:
        ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    t.addfile(ti, io.BytesIO(data) if ti.size else None)
with tarfile.open("a.tar", "w", format=tarfile.PAX_FORMAT) as t:
    ent(t, "d", tarfile.DIRTYPE, mode=0o755)
    ent(t, "d/content", data=b"abc")
    ent(t, "d/grown", data=b"abc")
    ent(t, "d/mode", data=b"x")
    ent(t, "d/owner", data=b"x")
    ent(t, "d/time", data=b"x")
    ent(t, "d/link", tarfile.SYMTYPE, link="content")
    ent(t, "d/xattr", data=b"x", xattrs={"user.k": "1"})
    ent(t, "d/dev", tarfile.CHRTYPE, dev=(1, 3))
    ent(t, "d/same", data=b"same")
    ent(t, "gone", tarfile.DIRTYPE, mode=0o755)
    ent(t, "gone/f", data=b"f")
    ent(t, "totype", data=b"file")
with tarfile.open("b.tar", "w", format=tarfile.PAX_FORMAT) as t:
    ent(t, "d", tarfile.DIRTYPE, mode=0o755)
    ent(t, "d/content", data=b"abd")
    ent(t, "d/grown", data=b"abcd")
    ent(t, "d/mode", data=b"x", mode=0o600)
    ent(t, "d/owner", data=b"x", uid=1000)
    ent(t, "d/time", data=b"x", mtime=200)
    ent(t, "d/link", tarfile.SYMTYPE, link="grown")
    ent(t, "d/xattr", data=b"x", xattrs={"user.k": "2"})
    ent(t, "d/dev", tarfile.CHRTYPE, dev=(1, 5))
    ent(t, "d/same", data=b"same")
    ent(t, "new", data=b"n")
    ent(t, "totype", tarfile.DIRTYPE, mode=0o755)
    ent(t, "totype/in", data=b"i")
EOF

"$OVERTAR" diff a.tar -- b.tar >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "diff a -- b: exit status $rc, expected 1: $(cat err)"
tab=$(printf '\t')
printf '%s\n' "M /d/content content" "M /d/dev device" "M /d/grown size,content" \
	"M /d/link target" "M /d/mode mode" "M /d/owner owner" "M /d/time mtime" \
	"M /d/xattr xattrs" "D /gone" "D /gone/f" "A /new" \
	"M /totype type,mode" "A /totype/in" | sed "s/ /$tab/g" >exp
same_listing exp out "diff a -- b"
[ ! -s err ] || fail "diff a -- b said: $(cat err)"

# --ignore: the time-only change goes, the rest stays
"$OVERTAR" diff --ignore mtime,device a.tar -- b.tar >out 2>err
[ $? -eq 1 ] || fail "--ignore mtime: expected exit status 1"
grep -v -e '/d/time' -e '/d/dev' exp >exp.ign
same_listing exp.ign out "diff --ignore mtime,device"

# --json
"$OVERTAR" diff --json a.tar -- b.tar >out.json 2>err
[ $? -eq 1 ] || fail "--json: expected exit status 1"
python3 - <<'EOF' || exit 1
import json
rows = [json.loads(l) for l in open("out.json")]
want = {"change": "M", "path": "/totype", "type": "dir",
        "old_type": "file", "fields": ["type", "mode"]}
assert want in rows, rows
assert {"change": "D", "path": "/gone/f", "type": "file", "fields": []} in rows, rows
assert len(rows) == 13, len(rows)
EOF

# -q: nothing printed, the status says
"$OVERTAR" diff -q a.tar -- b.tar >out 2>err
[ $? -eq 1 ] && [ ! -s out ] || fail "-q: expected exit status 1 and no output"

# the same: 0, nothing printed; a stack and its flattened tar are the same
"$OVERTAR" diff a.tar -- a.tar >out 2>err
[ $? -eq 0 ] && [ ! -s out ] || fail "diff a -- a: expected exit status 0, no output"
L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"
# shellcheck disable=SC2086
"$OVERTAR" flatten -o flat.tar $L || fail "flatten"
# shellcheck disable=SC2086
"$OVERTAR" diff $L -- flat.tar >out 2>err
[ $? -eq 0 ] && [ ! -s out ] || fail "sample vs its flattened tar: $(head -n 3 out) $(cat err)"
# ... while the base alone differs from it
# shellcheck disable=SC2086
"$OVERTAR" diff "$SAMPLE/layer1.tar" -- flat.tar >out 2>err
[ $? -eq 1 ] || fail "layer1 vs the flattened sample: expected exit status 1"
grep -qx "A${tab}/usr/share/doc/README" out || fail "layer1 vs flat: no A /usr/share/doc/README"

# trouble: 2
"$OVERTAR" diff a.tar b.tar >out 2>err
[ $? -eq 2 ] || fail "no '--': expected exit status 2"
grep -q "^overtar: diff: two sides" err || fail "no '--': $(cat err)"
"$OVERTAR" diff --ignore colour a.tar -- b.tar >out 2>err
[ $? -eq 2 ] || fail "--ignore colour: expected exit status 2"
grep -q "unknown field 'colour'" err || fail "--ignore colour: $(cat err)"
"$OVERTAR" diff a.tar -- missing.tar >out 2>err
[ $? -eq 2 ] || fail "a missing layer: expected exit status 2"
grep -q "missing.tar" err || fail "a missing layer: $(cat err)"
"$OVERTAR" diff - -- - </dev/null >out 2>err
[ $? -eq 2 ] || fail "stdin on both sides: expected exit status 2"
[ "$(cat err)" = "overtar: diff: standard input ('-') given on both sides (see 'overtar help diff')" ] \
	|| fail "stdin on both sides: $(cat err)"

# the corpus image (tests/bench) against its squashed output
C=/var/tmp/overtar-bench/corpus
if [ -f "$C/layer5.tar" ] && [ "$VARIANT" = plain ]; then
	"$OVERTAR" flatten -o sq.tar "$C"/layer1.tar "$C"/layer2.tar "$C"/layer3.tar \
		"$C"/layer4.tar "$C"/layer5.tar || fail "flatten of the corpus"
	"$OVERTAR" diff "$C"/layer1.tar "$C"/layer2.tar "$C"/layer3.tar \
		"$C"/layer4.tar "$C"/layer5.tar -- sq.tar >out 2>err
	[ $? -eq 0 ] || fail "corpus vs its squash: $(head -n 3 out) $(cat err)"
	"$OVERTAR" diff "$C"/layer1.tar -- sq.tar >out 2>err
	[ $? -eq 1 ] && [ -s out ] || fail "corpus base vs its squash: expected differences"
	rm -f sq.tar
else
	note "no corpus at $C (or sanitized run): its case not run"
fi
exit 0
