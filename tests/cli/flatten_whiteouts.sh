# flatten_whiteouts.sh -- whiteouts and opaque directories, wherever their
# marker stands in the tar, hide lower layers only (OCI image-spec layer.md,
# "Whiteouts"), and never appear in the output.
#
# sample (testdata/README.md), hand-derived:
#   etc/.wh.oldconf (L2), etc/oldconf re-added (L3)  -> L3's file, mode 0600
#   etc/conf.d opaque, marker BEFORE new.conf (L2)   -> only new.conf
#   opt/.wh.app (L2), opt/app/ re-added (L3)         -> only opt/app/new.bin
#   var/cache/.wh.apt (L3, a directory)              -> no var/cache/apt, at all
#   var/log/.wh.dpkg.log (L3, a file)                -> var/log is empty
#   usr/share/doc opaque, marker AFTER siblings (L4) -> README, base/NEWS only
#   srv/both + srv/.wh.both in the same layer (L4)   -> L4's srv/both
#   tmp/.wh.never-existed (L4)                       -> nothing, tmp stays 1777
# ordering and ovlforms (lib/mklayers.py): the same rules with the markers
# before and after, a directory re-added in the layer that whites it out, and
# the overlayfs spellings (char device 0/0, trusted.overlay.opaque=y).
. "$TESTS/cli/lib/common.sh"

run_ok "flatten sample" flatten_sample -o out.tar
python3 "$LIB/tarcheck.py" out.tar || fail "out.tar is not well formed (whiteouts left?)"
python3 "$LIB/lsflat.py" out.tar >out.ls

# has LINE...: each LINE is in the listing; lacks PATH...: no entry at or under PATH
has() { for l; do grep -qxF "$l" out.ls || fail "missing: $l   (got: $(grep -F "${l%% *} " out.ls))"; done; }
lacks() {
	for p; do
		if grep -q -e "^$p " -e "^$p/" out.ls; then
			fail "should be gone: $p   (got: $(grep -e "^$p " -e "^$p/" out.ls | head -n 3))"
		fi
	done
}
under() { grep "^$1/" out.ls | cut -d' ' -f1 | tr '\n' ' '; }

has "etc/oldconf f 0600 'oldconf re-added in layer3\n' -"
[ "$(under etc/conf.d)" = "etc/conf.d/new.conf " ] || fail "etc/conf.d holds: $(under etc/conf.d)"
[ "$(under opt/app)" = "opt/app/new.bin " ] || fail "opt/app holds: $(under opt/app)"
lacks var/cache/apt var/log/dpkg.log
has "var/cache d 0755 - -" "var/log d 0755 - -"
[ -z "$(under var/log)" ] || fail "var/log should be empty: $(under var/log)"
[ "$(under usr/share/doc)" = "usr/share/doc/README usr/share/doc/base usr/share/doc/base/NEWS " ] \
	|| fail "usr/share/doc holds: $(under usr/share/doc)"
has "srv/both f 0644 'both from layer4\n' -"
has "tmp d 1777 - -"
[ -z "$(under tmp)" ] || fail "tmp should be empty: $(under tmp)"

python3 "$LIB/mklayers.py" cases || fail "mklayers.py failed"
for c in ordering ovlforms; do
	run_ok "flatten $c" "$OVERTAR" flatten -o $c.tar cases/$c/layer1.tar cases/$c/layer2.tar
	python3 "$LIB/tarcheck.py" $c.tar || fail "$c.tar is not well formed"
	python3 "$LIB/lsflat.py" $c.tar >$c.ls
done
cat >ordering.want <<'WANT'
a d 0755 - -
a/3 f 0644 'a3\n' -
b d 0755 - -
b/3 f 0644 'b3\n' -
c d 0755 - -
c/x f 0644 'new x\n' -
c/y f 0644 'y\n' -
e d 0755 - -
e/sub d 0755 - -
e/sub/new f 0644 'new\n' -
WANT
same_listing ordering.want ordering.ls "ordering"
cat >ovlforms.want <<'WANT'
d d 0755 - -
d/z f 0644 'z\n' -
g f 0644 'g\n' -
WANT
same_listing ovlforms.want ovlforms.ls "ovlforms"

# A single layer's markers hide nothing and are not output.
run_ok "flatten layer4 alone" "$OVERTAR" flatten -o l4.tar "$SAMPLE/layer4.tar"
python3 "$LIB/tarcheck.py" l4.tar || fail "layer4 alone: not well formed"
