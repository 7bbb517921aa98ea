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
grep -q "^overtar: image 'oci:img:nope': no manifest named 'nope' (names: 'two', 'one')$" err || { cat err; fail "bad ref: message"; }
"$OVERTAR" flatten -o x.tar oci:nowhere 2>err; [ $? = 1 ] || fail "no layout: exit"
grep -q "not an OCI image layout" err || { cat err; fail "no layout: message"; }
mkdir full && touch full/x
"$OVERTAR" flatten -o oci:full:t "$SAMPLE/layer1.tar" 2>err && fail "wrote into a non-layout directory"
[ ! -e x.tar ] || fail "output left behind"

# docker-archive references as docker and go-containerregistry match them:
# "name" is "name:latest", docker.io/library/name:tag is name:tag; @N from
# 0; an unknown tag lists the tags that exist.
"$OVERTAR" flatten -o docker-archive:d.tar:app "$SAMPLE/layer1.tar" || fail "docker-archive out"
[ "$(tar xOf d.tar manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RepoTags"][0])')" = app:latest ] ||
	fail "a name without a tag is not written as name:latest"
"$OVERTAR" flatten -o want.tar "$SAMPLE/layer1.tar" || fail "flatten layer1"
for ref in app app:latest docker.io/library/app docker.io/library/app:latest \
	   index.docker.io/library/app:latest docker.io/app @0; do
	"$OVERTAR" flatten -o got.tar "docker-archive:d.tar:$ref" 2>err ||
		{ cat err; fail "docker-archive reference '$ref' not matched"; }
	cmp want.tar got.tar || fail "reference '$ref' reads another image"
done
"$OVERTAR" flatten -o docker-archive:q.tar:quay.io/org/app:1 "$SAMPLE/layer1.tar" || fail "registry tag out"
"$OVERTAR" flatten -o got.tar docker-archive:q.tar:quay.io/org/app:1 || fail "registry tag in"
"$OVERTAR" flatten -o x.tar docker-archive:q.tar:org/app:1 2>err; [ $? = 1 ] ||
	fail "org/app:1 matched quay.io/org/app:1"
grep -qx "overtar: image 'docker-archive:q.tar:org/app:1': no image tagged 'org/app:1' (tags: 'quay.io/org/app:1')" err ||
	{ cat err; fail "unknown tag: message"; }
"$OVERTAR" flatten -o x.tar docker-archive:d.tar:@1 2>err; [ $? = 1 ] || fail "@1: exit"
grep -qx "overtar: image 'docker-archive:d.tar:@1': no image @1: the archive holds 1 image (@0 to @0)" err ||
	{ cat err; fail "@1: message"; }
"$OVERTAR" flatten -o x.tar docker-archive:d.tar:@x 2>err; [ $? = 1 ] || fail "@x: exit"
grep -qx "overtar: image 'docker-archive:d.tar:@x': invalid image index '@x'" err ||
	{ cat err; fail "@x: message"; }
[ ! -e x.tar ] || fail "output left behind"
