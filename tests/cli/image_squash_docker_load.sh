# image_squash_docker_load.sh -- a squashed image written as docker-archive
# holds plain layers named by their diff_ids (the gzip base blobs of the OCI
# input decompressed once, their diff_ids checked), and a private docker
# daemon loads it: `docker load`, then `docker save` of what it stored, reads
# back to the input's flat tree. SKIP where dockerd cannot start.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools dockerd docker
[ "$(id -u)" = 0 ] || skip "dockerd needs root"

python3 "$LIB/mkoci.py" img v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" || fail "mkoci failed"
"$OVERTAR" flatten -o want.tar oci:img:v1 || fail "flatten failed"
"$OVERTAR" squash --keep 2 -o docker-archive:sq.tar:overtar-test/sq:1 oci:img:v1 || fail "squash failed"
mkdir m && tar xf sq.tar -C m || fail "not a tar"
for l in $(json m/manifest.json '" ".join(j[0]["Layers"])'); do
	[ "$(comp_of m/$l)" = none ] || fail "layer $l is compressed"
	[ "$(sha256sum m/$l | cut -c1-64).tar" = "$l" ] || fail "layer $l is not named by its diff_id"
done

D=$(mktemp -d /tmp/overtar-dockerd.XXXXXX)
stop() {
	[ -f "$D/pid" ] && kill "$(cat "$D/pid")" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -f "$D/pid" ] || break; sleep 1; done
	umount -R "$D/root" 2>/dev/null
	rm -rf "$D"
}
trap stop EXIT
dockerd -H "unix://$D/docker.sock" --data-root "$D/root" --exec-root "$D/exec" \
	--pidfile "$D/pid" --iptables=false --ip6tables=false --bridge=none >"$D/log" 2>&1 &
export DOCKER_HOST="unix://$D/docker.sock"
for i in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null 2>&1 || skip "dockerd does not start here: $(tail -n 1 "$D/log")"
docker load -i sq.tar >load.out 2>&1 || { cat load.out; fail "docker load failed"; }
grep -q "Loaded image: overtar-test/sq:1" load.out || { cat load.out; fail "not loaded as tagged"; }
[ "$(docker image inspect -f '{{len .RootFS.Layers}}' overtar-test/sq:1)" = 3 ] || fail "docker sees not 3 layers"
docker save -o saved.tar overtar-test/sq:1 || fail "docker save failed"
"$OVERTAR" flatten -o saved.flat docker-archive:saved.tar || fail "reading docker's save failed"
cmp want.tar saved.flat || fail "docker's stored image differs from the input's flat tree"
exit 0
