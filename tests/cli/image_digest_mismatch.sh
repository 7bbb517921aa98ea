# image_digest_mismatch.sh -- a blob whose bytes do not match its digest is
# an error naming the image and layer, exit 1, and no output is written.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

flatten_sample -o oci:img:v1 -z none || fail "flatten -o oci failed"
m=$(json img/index.json 'j["manifests"][0]["digest"][7:]')
l=$(json img/blobs/sha256/$m 'j["layers"][0]["digest"][7:]')
# one byte of file content changed, the size kept: the tar still parses
chmod u+w img/blobs/sha256/$l
python3 - "img/blobs/sha256/$l" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.index(b'root:x:0:0')	# etc/passwd content
b[i] ^= 0x20
open(p, 'wb').write(bytes(b))
PY
run_fails 1 "overtar: layer 'oci:img:v1 layer 1': digest mismatch: expected sha256:$l, read sha256:[0-9a-f]{64}" \
	"a corrupt blob" "$OVERTAR" flatten -o out.tar oci:img:v1
[ ! -e out.tar ] || fail "output left behind"

# the same in a docker-archive, whose layers are checked against diff_ids
flatten_sample -o docker-archive:a.tar || fail "flatten -o docker-archive failed"
python3 - a.tar <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.index(b'root:x:0:0')
b[i] ^= 0x20
open(p, 'wb').write(bytes(b))
PY
run_fails 1 "overtar: layer 'docker-archive:a.tar layer 1': digest mismatch: expected sha256:[0-9a-f]{64}, read sha256:[0-9a-f]{64}" \
	"a corrupt docker-archive layer" "$OVERTAR" flatten -o out.tar docker-archive:a.tar
[ ! -e out.tar ] || fail "output left behind"

# a manifest that does not match its digest
"$OVERTAR" flatten -o oci:img2:v1 "$SAMPLE/layer1.tar" || fail "flatten failed"
m=$(json img2/index.json 'j["manifests"][0]["digest"][7:]')
chmod u+w img2/blobs/sha256/$m
sed -i 's/schemaVersion/schemaVersioN/' img2/blobs/sha256/$m
run_fails 1 "overtar: image 'oci:img2:v1': blob sha256:$m: digest mismatch" \
	"a corrupt manifest" "$OVERTAR" flatten -o out.tar oci:img2:v1
[ ! -e out.tar ] || fail "output left behind"
