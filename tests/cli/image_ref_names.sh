# image_ref_names.sh -- the name an image is written under is checked by
# its grammar, and the message says which rule failed (issue 14, point 9:
# a tag that was not valid UTF-8 was dropped from an OCI index, and
# reported as written into a docker-archive); nothing is made.
. "$TESTS/cli/lib/common.sh"

printf 'x\n' >f && tar cf base.tar f
bad() {
	spec=$1 want=$2
	"$OVERTAR" flatten -o "$spec" base.tar 2>err; rc=$?
	[ "$rc" = 1 ] || fail "'$spec': exit $rc: $(cat err)"
	grep -qF "$want" err || fail "'$spec': $(cat err)"
	[ ! -e img ] && [ ! -e d.tar ] || fail "'$spec': output made"
}
good() {
	"$OVERTAR" flatten -o "$1" base.tar 2>err || fail "'$1': $(cat err)"
	rm -rf img d.tar
}
for t in latest v1.0 a--b x/y.z foo@bar+1; do good "oci:img:$t"; done
for t in app:1.0 reg.io:5000/a/b:v1 a__b:x localhost/x a-b/c.d_e; do good "docker-archive:d.tar:$t"; done
bad "oci:img:$(printf 'caf\351')" "0xe9 at byte 3 is not allowed: letters and digits joined by one of - . _ : @ + or -- (OCI annotations.md, ref.name)"
bad "oci:img:a b" "0x20 at byte 1 is not allowed"
bad "oci:img:a//b" "'/' at byte 2: a component starts and ends with a letter or digit"
bad "oci:img:x/" "tag 'x/': ends with '/'"
bad "docker-archive:d.tar:$(printf 'caf\351:1')" "must be lowercase letters and digits joined by '.', '_', '__' or '-' (distribution reference grammar)"
bad "docker-archive:d.tar:App:1" "name component 'App' must be lowercase"
bad "docker-archive:d.tar:a:b c" "the tag may hold only [A-Za-z0-9_.-]"
bad "docker-archive:d.tar:a:.x" "the tag must be 1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'"
exit 0
