# image_podman.sh -- podman (containers/image and containers/storage, as
# buildah and skopeo use them) and overtar read each other's images:
# podman loads overtar's docker-archive and oci-archive outputs, and a
# container made from each exports the tree overtar flattens; overtar reads
# what `podman save` writes in both formats (by the tag podman gives,
# localhost/NAME). Private storage below the test directory (vfs driver).
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools podman
[ "$(id -u)" = 0 ] || skip "podman's private storage here needs root"

export SOURCE_DATE_EPOCH=1700000000
pm() {
	podman --root "$PWD/pmroot" --runroot "$PWD/pmrun" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend none --runtime runc "$@"
}
flatten_sample -o flat.tar || fail "flatten"
canon flat.tar >flat.list
flatten_sample -o docker-archive:d.tar:sample:v1 || fail "flatten -o docker-archive"
flatten_sample -o oci-archive:o.tar:v2 || fail "flatten -o oci-archive"
pm load -q -i d.tar >load.out 2>&1 || { cat load.out; fail "podman load of overtar's docker-archive"; }
pm load -q -i o.tar >load.out 2>&1 || { cat load.out; fail "podman load of overtar's oci-archive"; }
for img in localhost/sample:v1 localhost/v2:latest; do
	pm image exists "$img" || { pm images; fail "podman has no $img"; }
	cid=$(pm create "$img" /never-run 2>create.err) || { cat create.err; fail "podman create $img"; }
	pm export -o ex.tar "$cid" || fail "podman export $img"
	pm rm "$cid" >/dev/null
	canon ex.tar >ex.list
	diff flat.list ex.list || fail "podman's tree of $img differs from overtar's"
done

pm save -q --format oci-archive -o pm-oci.tar localhost/sample:v1 || fail "podman save oci-archive"
pm save -q --format docker-archive -o pm-docker.tar localhost/sample:v1 || fail "podman save docker-archive"
run_ok "read podman's oci-archive" "$OVERTAR" flatten -o a.tar oci-archive:pm-oci.tar
run_ok "read podman's docker-archive" "$OVERTAR" flatten -o b.tar docker-archive:pm-docker.tar:localhost/sample:v1
canon a.tar >a.list
canon b.tar >b.list
diff flat.list a.list || fail "podman's oci-archive reads as another tree"
diff flat.list b.list || fail "podman's docker-archive reads as another tree"
