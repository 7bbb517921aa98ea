# fifo_inputs.sh -- a fifo where a layer, an image file or a blob should
# be is refused, naming it, and never hangs open(2) (issue 14, point 7).
. "$TESTS/cli/lib/common.sh"

command -v timeout >/dev/null || skip "no timeout(1)"
printf 'x\n' >f && tar cf base.tar f
"$OVERTAR" flatten -o oci:img:t base.tar 2>err || fail "making the layout: $(cat err)"
"$OVERTAR" flatten -o docker-archive:d.tar:a:b base.tar 2>err || fail "making the archive: $(cat err)"
# refused WHAT PATTERN CMD...: exit 1 within the timeout, one line
refused() {
	what=$1 pat=$2
	shift 2
	timeout 30 "$@" >/dev/null 2>err; rc=$?
	[ "$rc" != 124 ] || fail "$what: hangs"
	[ "$rc" = 1 ] || fail "$what: exit $rc: $(cat err)"
	[ "$(wc -l <err)" = 1 ] || fail "$what: not one line: $(cat err)"
	grep -q "$pat" err || fail "$what: $(cat err)"
}
mkfifo layer.tar
refused "a fifo as a layer" "^overtar: layer 'layer.tar': not a regular file (a fifo)$" \
	"$OVERTAR" flatten -o out.tar layer.tar
mkfifo arch.tar
refused "a fifo as a docker-archive" "^overtar: image 'docker-archive:arch.tar'.*not a regular file" \
	"$OVERTAR" flatten -o out.tar docker-archive:arch.tar
cp -r img img2 && rm img2/index.json && mkfifo img2/index.json
refused "a fifo as index.json" "^overtar: image 'oci:img2'.*index.json" \
	"$OVERTAR" flatten -o out.tar oci:img2
cp -r img img3
for b in img3/blobs/sha256/*; do
	if tar tf "$b" >/dev/null 2>&1 || gzip -t "$b" 2>/dev/null; then
		rm "$b" && mkfifo "$b"
	fi
done
refused "a fifo as a layer blob" "^overtar: .*not a regular file" \
	"$OVERTAR" flatten -o out.tar oci:img3
[ ! -e out.tar ] || fail "output left behind"
exit 0
