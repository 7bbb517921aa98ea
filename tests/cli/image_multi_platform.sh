# image_multi_platform.sh -- an OCI index of linux/amd64, linux/arm64/v8 and
# an attestation manifest: --platform picks what is read; squash and mod
# write an index whose other entries (the attestation too) are unchanged;
# --all-platforms applies to every platform and leaves the attestation alone.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo

python3 "$LIB/mkoci.py" --multi mp v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" || fail "mkoci failed"
nested() { json "$1/index.json" 'j["manifests"][-1]["digest"][7:]'; }
entry() { json "$1/blobs/sha256/$(nested $1)" "j['manifests'][$2]"; }
"$OVERTAR" flatten --platform linux/amd64 -o amd.tar oci:mp:v1 || fail "flatten amd64 failed"
"$OVERTAR" flatten --platform linux/arm64/v8 -o arm.tar oci:mp:v1 || fail "flatten arm64 failed"
"$OVERTAR" flatten -o l1.tar "$SAMPLE/layer1.tar"
cmp arm.tar l1.tar || fail "--platform linux/arm64/v8 did not read the arm64 manifest"
cmp -s amd.tar arm.tar && fail "both platforms read the same"

"$OVERTAR" squash --platform linux/amd64 --keep 2 -o oci:o:sq oci:mp:v1 || fail "squash failed"
check_blobs o
[ "$(json o/blobs/sha256/$(nested o) 'len(j["manifests"])')" = 3 ] || fail "index lost entries"
for i in 1 2; do
	[ "$(entry o $i)" = "$(entry mp $i)" ] || fail "entry $i changed"
done
[ "$(entry o 0)" != "$(entry mp 0)" ] || fail "the amd64 entry is unchanged"
[ "$(json o/blobs/sha256/$(nested o) 'j["manifests"][0]["platform"]')" = \
  "{'architecture': 'amd64', 'os': 'linux'}" ] || fail "platform of the new entry"
"$OVERTAR" flatten --platform linux/amd64 -o o.amd.tar oci:o:sq && cmp amd.tar o.amd.tar || fail "amd64 tree changed"
"$OVERTAR" flatten --platform linux/arm64/v8 -o o.arm.tar oci:o:sq && cmp arm.tar o.arm.tar || fail "arm64 tree changed"
skopeo inspect --raw oci:o:sq >/dev/null || fail "skopeo cannot read the index"

# build on one platform: the same index, only that entry new
"$OVERTAR" build --platform linux/arm64/v8 -e 'label org.example.b=1' --emit layer \
	-o oci:b:x oci:mp:v1 || fail "build --platform failed"
[ "$(entry b 0)" = "$(entry mp 0)" ] && [ "$(entry b 2)" = "$(entry mp 2)" ] || fail "build changed other entries"
[ "$(entry b 1)" != "$(entry mp 1)" ] || fail "build left the arm64 entry"

"$OVERTAR" mod --all-platforms --label org.example.b=2 -o oci:m:all oci:mp:v1 || fail "mod --all-platforms failed"
[ "$(entry m 2)" = "$(entry mp 2)" ] || fail "the attestation changed"
for i in 0 1; do
	d=$(json m/blobs/sha256/$(nested m) "j['manifests'][$i]['digest'][7:]")
	c=$(json m/blobs/sha256/$d 'j["config"]["digest"][7:]')
	[ "$(json m/blobs/sha256/$c 'j["config"]["Labels"]["org.example.b"]')" = 2 ] || fail "platform $i not edited"
	[ "$(json m/blobs/sha256/$d 'j["layers"]')" = "$(json mp/blobs/sha256/$(json mp/blobs/sha256/$(nested mp) "j['manifests'][$i]['digest'][7:]") 'j["layers"]')" ] \
		|| fail "platform $i: a label edit changed its layers"
done
"$OVERTAR" squash --all-platforms -o oci:s:all oci:mp:v1 || fail "squash --all-platforms failed"
"$OVERTAR" flatten --platform linux/arm64/v8 -o s.arm.tar oci:s:all && cmp arm.tar s.arm.tar || fail "arm64 squashed differs"
"$OVERTAR" flatten --platform linux/amd64 -o s.amd.tar oci:s:all && cmp amd.tar s.amd.tar || fail "amd64 squashed differs"
# a platform that fails leaves the output as it was: no tag, no temporary
cp -r s s0
"$OVERTAR" squash --all-platforms --keep 1 -o oci:s:all oci:mp:v1 2>err
[ $? = 1 ] && grep -q "keeping 1 of 1 layers leaves nothing to squash" err || { cat err; fail "--keep 1 of arm64's 1"; }
cmp s0/index.json s/index.json || fail "a failed --all-platforms changed the index"
"$OVERTAR" squash --all-platforms --keep 1 -o oci:new:all oci:mp:v1 2>/dev/null
[ "$(json new/index.json 'len(j["manifests"])')" = 0 ] || fail "a failed --all-platforms left a tag"
"$OVERTAR" squash --all-platforms -o docker-archive:x.tar oci:mp:v1 2>err
[ $? = 2 ] && grep -q "all-platforms writes an index" err || fail "--all-platforms to docker-archive"

"$OVERTAR" flatten --platform linux -o x.tar oci:mp:v1 2>err
[ $? = 2 ] && grep -q "^overtar: flatten: --platform 'linux': not OS/ARCH\[/VARIANT\]" err || { cat err; fail "bad --platform"; }
"$OVERTAR" flatten --platform linux/s390x -o x.tar oci:mp:v1 2>err
[ $? = 1 ] && grep -q "no manifest for linux/s390x" err || { cat err; fail "missing platform"; }
exit 0
