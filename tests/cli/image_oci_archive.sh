# image_oci_archive.sh -- oci-archive:FILE[:REF], a tar of an OCI layout
# (what `podman save --format oci-archive`, `skopeo copy ... oci-archive:`
# and `docker buildx --output type=oci` write), in and out: skopeo's
# archive reads as its layout does; overtar's archives (flatten, and build
# --emit layer on an archive) are read by skopeo and copied back; errors
# name what is wrong and leave nothing behind.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo

export SOURCE_DATE_EPOCH=1700000000
flatten_sample -o oci:lay:t || fail "flatten -o oci"
flatten_sample -o flat.tar || fail "flatten"
skopeo copy -q oci:lay:t oci-archive:sk.tar:t || fail "skopeo copy to oci-archive"
for ref in oci-archive:sk.tar oci-archive:sk.tar:t; do
	run_ok "read $ref" "$OVERTAR" flatten -o back.tar "$ref"
	cmp back.tar flat.tar || fail "$ref reads back differently"
done

# out: one layer, and the input's layers plus an edit
run_ok "flatten -o oci-archive" flatten_sample -o oci-archive:o.tar:v1
ls | grep -q '\.layout' && fail "a temporary layout directory was left"
tar tf o.tar | sort >members
grep -qx oci-layout members && grep -qx index.json members ||
	fail "no oci-layout or index.json in the archive"
skopeo inspect oci-archive:o.tar:v1 >inspect.json || fail "skopeo cannot read overtar's oci-archive"
skopeo copy -q oci-archive:o.tar:v1 oci:sk2:x || fail "skopeo copy from overtar's oci-archive"
run_ok "read skopeo's copy" "$OVERTAR" flatten -o back2.tar oci:sk2:x
cmp back2.tar flat.tar || fail "overtar's oci-archive holds another tree"
printf 'write /etc/added "x\\n"\n' >e.ots
run_ok "build --emit layer -o oci-archive" "$OVERTAR" build -f e.ots --emit layer -o oci-archive:app.tar:v2 oci-archive:sk.tar
[ "$(skopeo inspect oci-archive:app.tar:v2 | json /dev/stdin 'len(j["Layers"])')" = 2 ] ||
	fail "the appended image has not the input's layer and the new one"
run_ok "read the appended image" "$OVERTAR" cat oci-archive:app.tar -- /etc/added
[ "$(cat run.out)" = x ] || fail "the new layer is not in the appended image"

# errors: exit 1, one line, nothing written
check_err() {
	want=$1
	shift
	"$OVERTAR" "$@" >out 2>err
	rc=$?
	[ "$rc" = 1 ] || { cat err; fail "$*: exit $rc, expected 1"; }
	[ "$(cat err)" = "$want" ] || { cat err; fail "$*: message, expected: $want"; }
	[ ! -e x.tar ] || fail "$*: output left behind"
}
check_err "overtar: image 'oci-archive:none.tar': cannot open: No such file or directory" \
	flatten -o x.tar oci-archive:none.tar
check_err "overtar: image 'oci-archive:sk.tar:nope': no manifest named 'nope' (names: 't')" \
	flatten -o x.tar oci-archive:sk.tar:nope
check_err "overtar: image 'oci-archive:flat.tar': not an OCI image layout (no oci-layout)" \
	flatten -o x.tar oci-archive:flat.tar
printf 'not a tar\n' >junk.tar
check_err "overtar: image 'oci-archive:junk.tar': not a tar archive (a compressed oci-archive must be decompressed first)" \
	flatten -o x.tar oci-archive:junk.tar
"$OVERTAR" flatten -o oci-archive:nodir/x.tar "$SAMPLE/layer1.tar" 2>err && fail "wrote into a missing directory"
[ ! -e nodir ] || fail "a missing directory was made"
