# image_docker_long_member.sh -- a docker-archive whose manifest names a
# layer through a symlink ("ID/layer.tar -> ../NAME", as docker save
# writes it) to a member with a name longer than 4096 bytes is read: the
# name the link leads to is not cut short (STYLE.md: growable paths).
. "$TESTS/cli/lib/common.sh"

L=$SAMPLE/layer1.tar
python3 - "$L" x.tar <<'PY' || fail "cannot make the archive"
import hashlib, io, json, sys, tarfile
layer = open(sys.argv[1], 'rb').read()
diff_id = 'sha256:' + hashlib.sha256(layer).hexdigest()
long = '/'.join(['d' * 200] * 25) + '/layer.tar'  # 5034 bytes
cfg = json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {},
                  'rootfs': {'type': 'layers', 'diff_ids': [diff_id]}}).encode()
man = json.dumps([{'Config': 'c.json', 'RepoTags': ['x:1'],
                   'Layers': ['id/layer.tar']}]).encode()
with tarfile.open(sys.argv[2], 'w', format=tarfile.PAX_FORMAT) as t:
    for name, data in ((long, layer), ('c.json', cfg), ('manifest.json', man)):
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    i = tarfile.TarInfo('id/layer.tar')
    i.type = tarfile.SYMTYPE
    i.linkname = '../' + long
    t.addfile(i)
PY
run_ok "flatten docker-archive:x.tar" "$OVERTAR" flatten -o got.tar docker-archive:x.tar
run_ok "flatten the layer itself" "$OVERTAR" flatten -o want.tar "$L"
cmp got.tar want.tar || fail "the layer read through the long link differs from the layer"
