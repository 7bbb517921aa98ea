# image_squash.sh -- overtar squash on OCI and docker-archive images: the
# kept layers' blobs are byte-identical and keep their descriptors, the flat
# tree of the output is the flat tree of the input, --keep/--from/--base pick
# the same range, --base refuses an image that does not start with it, and
# skopeo, umoci and a docker-archive copy read the output back; oci-archive:
# in and out gives the manifest oci: does.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo umoci

# later than every sample time: nothing is clamped
export SOURCE_DATE_EPOCH=2000000000
python3 "$LIB/mkoci.py" img v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" || fail "mkoci failed"
python3 "$LIB/mkoci.py" base v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	|| fail "mkoci base failed"
python3 "$LIB/mkoci.py" other v1 "$SAMPLE/layer2.tar.gz" || fail "mkoci other failed"
"$OVERTAR" flatten -o want.tar oci:img:v1 || fail "flatten of the input failed"

"$OVERTAR" squash --keep 2 -o oci:out:sq oci:img:v1 || fail "squash --keep 2 failed"
check_blobs out
manifest() { json "$1/index.json" 'j["manifests"][-1]["digest"][7:]'; }
mi=$(manifest img); mo=$(manifest out)
[ "$(json out/blobs/sha256/$mo 'len(j["layers"])')" = 3 ] || fail "not 3 layers"
for i in 0 1; do
	[ "$(json img/blobs/sha256/$mi "j['layers'][$i]")" = \
	  "$(json out/blobs/sha256/$mo "j['layers'][$i]")" ] || fail "layer $((i + 1)) descriptor changed"
	d=$(json out/blobs/sha256/$mo "j['layers'][$i]['digest'][7:]")
	cmp img/blobs/sha256/$d out/blobs/sha256/$d || fail "kept blob $d differs"
done
"$OVERTAR" flatten -o got.tar oci:out:sq || fail "flatten of the output failed"
cmp want.tar got.tar || fail "the squashed image's flat tree differs from the input's"
c=$(json out/blobs/sha256/$mo 'j["config"]["digest"][7:]')
[ "$(json out/blobs/sha256/$c '[h.get("empty_layer", False) for h in j["history"]]')" = \
  "[False, False, True, True, False]" ] || fail "history: kept, squashed emptied, one new"
[ "$(json out/blobs/sha256/$c 'j["history"][4]["comment"]')" = "squashed 2 layers" ] || fail "history comment"
[ "$(json out/blobs/sha256/$c 'j["config"]["Env"][1]')" = "LANG=C" ] || fail "config not kept"

# the same range named three more ways gives the same image
did3=$(json img/blobs/sha256/$(json img/blobs/sha256/$mi 'j["config"]["digest"][7:]') 'j["rootfs"]["diff_ids"][2]')
for how in "--from 3" "--from $did3" "--base oci:base:v1"; do
	rm -rf o2
	"$OVERTAR" squash $how -o oci:o2:sq oci:img:v1 || fail "squash $how failed"
	[ "$(manifest o2)" = "$mo" ] || fail "squash $how differs from --keep 2"
done
"$OVERTAR" squash --base oci:other:v1 -o oci:o3:sq oci:img:v1 2>err
[ $? = 1 ] || fail "a base the image does not start with: not exit 1"
grep -q "^overtar: image 'oci:img:v1' does not start with the 1 layers of base 'oci:other:v1'$" err || { cat err; fail "message"; }
[ ! -e o3 ] || fail "output left behind"
"$OVERTAR" squash --keep 4 -o oci:o3:sq oci:img:v1 2>err
[ $? = 1 ] && grep -q "keeping 4 of 4 layers leaves nothing to squash" err || fail "--keep 4 of 4"
"$OVERTAR" squash --keep 1 --from 2 -o oci:o3:sq oci:img:v1 2>err
[ $? = 2 ] || fail "--keep with --from: not a usage error"

# --retime new, the default: what squash writes is clamped to --mtime
"$OVERTAR" squash --keep 2 --mtime 1600000000 -o clamp.tar "$SAMPLE/layer1.tar" \
	"$SAMPLE/layer2.tar.gz" "$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" || fail "squash to a file failed"
python3 "$LIB/tarcheck.py" --mtimes clamp.tar | awk -F'\t' '$2 + 0 > 1600000000 { print; bad = 1 } END { exit bad }' \
	|| fail "an entry newer than --mtime"
[ "$(tar tf clamp.tar | wc -l)" -gt 0 ] || fail "empty squashed layer"

# without a keep option: one layer, as flatten -o IMAGE
"$OVERTAR" squash -o oci:all:sq oci:img:v1 || fail "squash of everything failed"
[ "$(json all/blobs/sha256/$(manifest all) 'len(j["layers"])')" = 1 ] || fail "not one layer"
"$OVERTAR" flatten -o all.tar oci:all:sq && cmp want.tar all.tar || fail "squash of everything differs"

# readers: skopeo, umoci, a docker-archive copy, overtar's docker-archive out
skopeo inspect oci:out:sq >inspect.json || fail "skopeo inspect failed"
[ "$(json inspect.json 'len(j["Layers"])')" = 3 ] || fail "skopeo sees not 3 layers"
skopeo copy -q oci:out:sq docker-archive:copy.tar:sq:latest >/dev/null || fail "skopeo copy to docker-archive failed"
"$OVERTAR" flatten -o copy.tar.flat docker-archive:copy.tar && cmp want.tar copy.tar.flat \
	|| fail "skopeo's docker-archive copy differs"
# containers-storage in a private root (overlay as root, vfs otherwise)
drv=vfs; [ "$(id -u)" = 0 ] && drv=overlay
cs="containers-storage:[$drv@$PWD/csroot+$PWD/csrun]overtar-test/sq:1"
here=$PWD
# containers/storage leaves its overlay directory bind-mounted
trap 'umount -R "$here/csroot/overlay" 2>/dev/null; umount -R "$here/csroot" 2>/dev/null' EXIT
if skopeo copy -q oci:out:sq "$cs" >cs.err 2>&1; then
	skopeo copy -q "$cs" docker-archive:cs.tar:cs:1 >/dev/null || fail "skopeo copy from containers-storage failed"
	"$OVERTAR" flatten -o cs.flat docker-archive:cs.tar && cmp want.tar cs.flat \
		|| fail "containers-storage's copy differs"
else
	note "containers-storage does not run here: $(tail -n 1 cs.err)"
fi
umoci_unpack out:sq bundle || fail "umoci unpack failed"
canon bundle/rootfs >umoci.list
canon want.tar >want.list
diff want.list umoci.list || fail "umoci's tree differs from the flat tree"
"$OVERTAR" squash --keep 2 -o docker-archive:sq.tar:app:sq oci:img:v1 || fail "squash to docker-archive failed"
"$OVERTAR" flatten -o da.tar docker-archive:sq.tar && cmp want.tar da.tar || fail "docker-archive output differs"
"$OVERTAR" squash --keep 1 -o oci:o4:sq docker-archive:sq.tar || fail "squash of a docker-archive failed"
"$OVERTAR" flatten -o o4.tar oci:o4:sq && cmp want.tar o4.tar || fail "docker-archive in, oci out differs"

# oci-archive: in and out through the format tables: the same manifest as
# the oci: output, which skopeo reads from the archive
tar -C img -cf img.tar . || fail "tar of the layout failed"
"$OVERTAR" squash --keep 2 -o oci-archive:sq.oci.tar:sq oci-archive:img.tar:v1 \
	|| fail "squash oci-archive to oci-archive failed"
mkdir oa && tar -C oa -xf sq.oci.tar || fail "the oci-archive output is no tar"
[ "$(manifest oa)" = "$mo" ] || fail "oci-archive squash differs from the oci: one"
"$OVERTAR" flatten -o oa.tar oci-archive:sq.oci.tar:sq && cmp want.tar oa.tar \
	|| fail "oci-archive output's flat tree differs"
skopeo inspect oci-archive:sq.oci.tar:sq >oa.json || fail "skopeo inspect of the oci-archive failed"
[ "$(json oa.json 'len(j["Layers"])')" = 3 ] || fail "skopeo sees not 3 layers in the oci-archive"
exit 0
