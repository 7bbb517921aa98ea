# messages_long_paths.sh -- a message is one line naming the file, entry
# or script line and the reason, whatever the length of the path (issue
# 14, point 15): a long path loses its middle, never the reason; malformed
# JSON names its document (index.json, a blob, an archive member); -o dir:
# with no path is refused, not written to "..XXXXXX"; as root, an xattr
# the filesystem refuses is not reported as "not root".
. "$TESTS/cli/lib/common.sh"

tar cf empty.tar -T /dev/null
c=$(printf 'd%.0s' $(seq 1 99))
long=$c/$c/$c/$c/$c/$c
"$OVERTAR" build -e "rm /$long/x" -o out.tar empty.tar 2>err; rc=$?
[ "$rc" = 1 ] || fail "long script path: exit $rc"
[ "$(wc -l <err)" = 1 ] || fail "long script path: not one line"
case $(cat err) in
"-e:1: rm: /ddd"*"..."*"ddd/x: no such file or directory") ;;
*) fail "long script path: $(cat err)" ;;
esac

# a layer entry with a long name and a reason of its own
python3 - "$c" <<'PY' || fail "cannot make the layer"
import sys, tarfile
name = "/".join([sys.argv[1]] * 6) + "/link"
with tarfile.open("link.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.LNKTYPE
    ti.linkname = "/".join([sys.argv[1]] * 6) + "/missing"
    tf.addfile(ti)
PY
"$OVERTAR" flatten -o out.tar link.tar 2>err; rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <err)" = 1 ] || fail "long entry: exit $rc: $(cat err)"
case $(cat err) in
"overtar: layer 'link.tar': entry 'ddd"*"..."*"ddd/link': "*"not found"*) ;;
*) fail "long entry: $(cat err)" ;;
esac

# malformed JSON names its document
printf 'x\n' >f && tar cf base.tar f
"$OVERTAR" flatten -o oci:img:t base.tar 2>err || fail "making a layout: $(cat err)"
printf '{bad' >img/index.json
"$OVERTAR" ls oci:img 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "^overtar: image 'oci:img': 'img/index.json': malformed JSON: " err ||
	fail "malformed index.json: exit $rc: $(cat err)"
printf 'nojson' >manifest.json && tar cf bad.dtar manifest.json
"$OVERTAR" ls docker-archive:bad.dtar 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "^overtar: image 'docker-archive:bad.dtar': 'manifest.json': malformed JSON: " err ||
	fail "malformed manifest.json: exit $rc: $(cat err)"

# dir: with no path
"$OVERTAR" flatten -o dir: empty.tar 2>err; rc=$?
[ "$rc" = 1 ] && [ "$(cat err)" = "overtar: output 'dir:': no directory named" ] ||
	fail "dir: with no path: exit $rc: $(cat err)"
[ -z "$(ls -A | grep '^\.\.')" ] || fail "dir: with no path left $(ls -A)"

# as root, an xattr without a namespace is refused by the filesystem
if [ "$(id -u)" = 0 ]; then
	python3 - <<'PY' || fail "cannot make the layer"
import io, tarfile
with tarfile.open("nons.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    ti = tarfile.TarInfo("f")
    ti.size = 1
    ti.pax_headers = {"SCHILY.xattr.foo": "v"}
    tf.addfile(ti, io.BytesIO(b"x"))
PY
	"$OVERTAR" flatten -o dir:o nons.tar 2>err; rc=$?
	[ "$rc" = 1 ] && [ "$(cat err)" = "overtar: output 'o': entry 'f': cannot set xattr 'foo': Operation not supported" ] ||
		fail "xattr without a namespace: exit $rc: $(cat err)"
	[ ! -e o ] || fail "dir: output left behind"
fi
exit 0
