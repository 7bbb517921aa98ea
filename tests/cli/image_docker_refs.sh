# image_docker_refs.sh -- docker-archive references as docker and
# go-containerregistry match them (name is name:latest, docker.io/library/
# name:tag is name:tag, a registry component stays), @N counted from 0 and
# past the end, and an unknown tag listing the tags there are.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

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
