# squash_changeset.sh -- what squash writes is the changeset and nothing
# more: a file re-added unchanged is left out, a directory no squashed layer
# touches is left out, a removed file gets a whiteout, a directory made
# opaque gets its marker and its whole content, a changed file its parent
# directory; markers come before their siblings. And the layer files form:
# layers in, --keep N, a tar out.
. "$TESTS/cli/lib/common.sh"

python3 - <<'END' || fail "making the layers failed"
import io, tarfile
def layer(name, entries):
    with tarfile.open(name, "w", format=tarfile.PAX_FORMAT) as t:
        for path, data in entries:
            ti = tarfile.TarInfo(path)
            ti.mtime = 1600000000
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
layer("l1.tar", [("a", None), ("a/x", b"x"), ("a/y", b"y"), ("b", None),
                 ("b/z", b"z"), ("c", b"c"), ("d", None), ("d/1", b"1"),
                 ("f", None), ("f/keep", b"k")])
layer("l2.tar", [("a", None), ("a/x", b"x"), ("b", None), ("b/z", b"z2"),
                 (".wh.c", b""), ("d", None), ("d/.wh..wh..opq", b""),
                 ("d/2", b"2")])
layer("l3.tar", [("e", b"e")])
END
"$OVERTAR" squash --keep 1 -o sq.tar l1.tar l2.tar l3.tar || fail "squash failed"
tar tf sq.tar >got
printf '%s\n' .wh.c b/ b/z d/ d/.wh..wh..opq d/2 e >want
diff want got || fail "the squashed layer is not the changeset (--- want, +++ got)"
"$OVERTAR" flatten -o all.tar l1.tar l2.tar l3.tar
"$OVERTAR" flatten -o re.tar l1.tar sq.tar
cmp all.tar re.tar || fail "kept + squashed differs from the input"
# the overlayfs spelling: a char device 0/0, trusted.overlay.opaque=y
"$OVERTAR" squash --keep 1 --whiteouts overlayfs -o ovl.tar l1.tar l2.tar l3.tar || fail "squash --whiteouts overlayfs failed"
python3 - <<'END' || fail "not the overlayfs spelling"
import tarfile
t = {m.name: m for m in tarfile.open("ovl.tar")}
assert sorted(t) == ["b", "b/z", "c", "d", "d/2", "e"], sorted(t)
assert t["c"].ischr() and t["c"].devmajor == 0 and t["c"].devminor == 0
assert t["d"].pax_headers.get("SCHILY.xattr.trusted.overlay.opaque") == "y"
assert "SCHILY.xattr.trusted.overlay.opaque" not in t["b"].pax_headers
END
"$OVERTAR" flatten -o re2.tar l1.tar ovl.tar
cmp all.tar re2.tar || fail "kept + squashed (overlayfs spelling) differs from the input"
"$OVERTAR" squash --from 2 -o x.tar l1.tar l2.tar 2>err
[ $? = 2 ] && grep -q "layer files take --keep N" err || fail "--from with layer files"
exit 0
