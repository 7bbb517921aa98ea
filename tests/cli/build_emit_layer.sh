# build_emit_layer.sh -- --emit layer writes only the changes, and the
# changes stacked on the input layers (`overtar flatten L1..L4 LAYER`) give
# exactly the tree --emit flat writes (canonical-list.py), in both whiteout
# spellings: OCI (.wh.NAME, .wh..wh..opq first in its directory) and
# overlayfs (char device 0/0, trusted.overlay.opaque=y).
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/build.sh"

make_edit
# Besides edit.ots: a lower directory removed and made again, which makes
# it opaque in the layer (its old content must stay hidden).
set -- -f edit.ots -e 'rm -r /opt/app' -e 'mkdir /opt/app' \
	-e 'write /opt/app/only x' --mtime 1800000000
run_ok "build flat" build_sample "$@" -o flat.tar
run_ok "build layer" build_sample "$@" --emit layer -o layer.tar
run_ok "build layer (overlayfs)" build_sample "$@" --emit layer \
	--whiteouts overlayfs -o layer-ovl.tar
canon flat.tar >flat.canon
for l in layer layer-ovl; do
	run_ok "stack $l" "$OVERTAR" flatten -o stacked-$l.tar \
		"$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
		"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" $l.tar
	canon stacked-$l.tar >stacked-$l.canon
	same_listing flat.canon stacked-$l.canon "inputs + $l vs --emit flat"
done

# Only changes: what the script left alone is not in the layer (bin/su,
# etc/passwd, usr/lib and all below it).
python3 "$LIB/lsflat.py" layer.tar >layer.ls
python3 "$LIB/lsflat.py" layer-ovl.tar >layer-ovl.ls
for p in bin/su etc/passwd usr/lib lib; do
	if grep -q -e "^$p " -e "^$p/" layer.ls; then
		fail "unchanged $p is in the layer"
	fi
done
# Whiteouts for what was removed: rm -r /var/cache, rmdir /etc/motd, and
# mv of the lower /home/app (copied, then removed); empty files (OCI).
for p in etc/.wh.motd home/.wh.app var/.wh.cache; do
	grep -qxF "$p f 0644 '' -" layer.ls || fail "layer: no whiteout $p"
	grep -q "^$p " layer-ovl.ls && fail "overlayfs layer has $p"
	# overlayfs: a char device 0/0 at the name itself
	q=$(echo "$p" | sed 's#\.wh\.##')
	grep -qxF "$q c 0000 0,0 -" layer-ovl.ls || fail "overlayfs: no whiteout $q"
done

# Markers before their siblings, the opaque marker first (OCI layer.md);
# the overlayfs layer marks opt/app with trusted.overlay.opaque=y instead.
python3 - layer.tar layer-ovl.tar <<'PY' || fail "marker order or opaque xattr"
import os, sys, tarfile

def names(path):
    return [m.name.rstrip("/") for m in tarfile.open(path)]

seen_entry = {}   # directory -> a non-marker entry was seen there
ok = True
order = names(sys.argv[1])
for n in order:
    d, b = os.path.split(n)
    if b.startswith(".wh."):
        if seen_entry.get(d):
            print("marker %s after a sibling" % n); ok = False
    else:
        seen_entry[d] = True
i = order.index("opt/app/.wh..wh..opq")
if order[i + 1] != "opt/app/only":
    print("opaque marker not first in opt/app: %r" % order[i:i + 2]); ok = False
ovl = {m.name.rstrip("/"): m for m in tarfile.open(sys.argv[2])}
x = ovl["opt/app"].pax_headers.get("SCHILY.xattr.trusted.overlay.opaque")
if x != "y":
    print("opt/app: trusted.overlay.opaque is %r" % x); ok = False
if any(".wh." in n for n in ovl):
    print("overlayfs layer has .wh. names"); ok = False
if "opt/app" in ovl and ovl["etc"].pax_headers.get(
        "SCHILY.xattr.trusted.overlay.opaque"):
    print("etc marked opaque"); ok = False
sys.exit(0 if ok else 1)
PY
