# image_tags.sh -- a layout that exists keeps its other manifests; the tag
# written moves to the new manifest; references by tag and by digest; the
# errors of bad references are one line, exit 1.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

"$OVERTAR" flatten -o oci:img:one "$SAMPLE/layer1.tar" || fail "one"
"$OVERTAR" flatten -o oci:img:two "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" || fail "two"
[ "$(json img/index.json 'len(j["manifests"])')" = 2 ] || fail "not two manifests"
d1=$(json img/index.json 'j["manifests"][0]["digest"]')
"$OVERTAR" flatten -o one.tar oci:img:one || fail "read one"
"$OVERTAR" flatten -o byd.tar "oci:img:$d1" || fail "read by digest"
cmp one.tar byd.tar || fail "tag and digest differ"
"$OVERTAR" flatten -o oci:img:one "$SAMPLE/layer4.tar" || fail "retag one"
[ "$(json img/index.json 'len(j["manifests"])')" = 2 ] || fail "retag added a manifest"
"$OVERTAR" flatten -o two.tar oci:img:two || fail "two lost"

"$OVERTAR" flatten -o x.tar oci:img 2>err; [ $? = 1 ] || fail "no ref: exit"
grep -q "lists 2 manifests" err || { cat err; fail "no ref: message"; }
"$OVERTAR" flatten -o x.tar oci:img:nope 2>err; [ $? = 1 ] || fail "bad ref: exit"
grep -q "^overtar: image 'oci:img:nope': no manifest named 'nope'$" err || { cat err; fail "bad ref: message"; }
"$OVERTAR" flatten -o x.tar oci:nowhere 2>err; [ $? = 1 ] || fail "no layout: exit"
grep -q "not an OCI image layout" err || { cat err; fail "no layout: message"; }
mkdir full && touch full/x
"$OVERTAR" flatten -o oci:full:t "$SAMPLE/layer1.tar" 2>err && fail "wrote into a non-layout directory"
[ ! -e x.tar ] || fail "output left behind"
