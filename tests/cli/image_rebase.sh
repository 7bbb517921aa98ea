# image_rebase.sh -- overtar rebase: the image's own layers (above the old
# base's) go onto the new base, every blob reused; diff_ids and history
# follow; an image that does not start with the old base is refused.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo

python3 "$LIB/mkoci.py" img v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" || fail "mkoci failed"
python3 "$LIB/mkoci.py" old v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" || fail "mkoci old failed"
python3 "$LIB/mkoci.py" new v1 "$SAMPLE/layer1.tar" || fail "mkoci new failed"
manifest() { json "$1/index.json" 'j["manifests"][-1]["digest"][7:]'; }
layers() { json "$1/blobs/sha256/$(manifest $1)" '" ".join(l["digest"] for l in j["layers"])'; }
cfgf() { echo "$1/blobs/sha256/$(json $1/blobs/sha256/$(manifest $1) 'j["config"]["digest"][7:]')"; }

"$OVERTAR" rebase -o oci:out:r --old-base oci:old:v1 --new-base oci:new:v1 oci:img:v1 || fail "rebase failed"
check_blobs out
set -- $(layers img)
[ "$(layers out)" = "$(layers new) $3 $4" ] || fail "layers: $(layers out)"
[ "$(json $(cfgf out) 'j["rootfs"]["diff_ids"]')" = \
  "$(json $(cfgf img) '[j["rootfs"]["diff_ids"][0]] + j["rootfs"]["diff_ids"][2:]')" ] || fail "diff_ids"
[ "$(json $(cfgf out) '[h["created_by"] for h in j["history"]]')" = \
  "['layer 1 (layer1.tar)', 'layer 3 (layer3.tar.zst)', 'layer 4 (layer4.tar)']" ] || fail "history"
"$OVERTAR" flatten -o want.tar "$SAMPLE/layer1.tar" "$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
"$OVERTAR" flatten -o got.tar oci:out:r && cmp want.tar got.tar || fail "the rebased tree differs"
skopeo inspect oci:out:r >/dev/null || fail "skopeo inspect failed"

"$OVERTAR" rebase -o oci:bad:r --old-base oci:new:v1 --new-base oci:old:v1 oci:old:v1 >/dev/null 2>&1 || fail "rebase onto itself"
python3 "$LIB/mkoci.py" other v1 "$SAMPLE/layer4.tar"
"$OVERTAR" rebase -o oci:bad2:r --old-base oci:other:v1 --new-base oci:new:v1 oci:img:v1 2>err
[ $? = 1 ] || fail "a wrong old base: not exit 1"
grep -q "^overtar: image 'oci:img:v1' does not start with the 1 layers of old base 'oci:other:v1'$" err || { cat err; fail "message"; }
[ ! -e bad2 ] || fail "output left behind"
"$OVERTAR" rebase -o oci:bad3:r oci:img:v1 2>/dev/null
[ $? = 2 ] || fail "rebase without bases: not a usage error"
exit 0
