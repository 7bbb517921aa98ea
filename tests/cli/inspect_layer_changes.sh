# inspect_layer_changes.sh -- overtar inspect --layer N lists layer N's
# changes against the merged view of the layers below it as A/M/D lines
# (TAB between letter and path), parents before children, siblings in
# byte order. Expected lines derived by hand from testdata/README.md:
#  - layer 2: its entries at paths in layer 1's view are M (etc, conf.d,
#    etc/motd where a directory replaces the file, home, home/app, opt, usr,
#    usr/bin, tool-alias, usr/share, usr/share/doc), new paths are A; D for
#    etc/oldconf (.wh.oldconf), the old content of the opaque etc/conf.d
#    (old.conf, sub, sub/deep.conf) and opt/app with all below it (.wh.app);
#  - layer 3: etc/oldconf and opt/app are A (gone in layer 2's view), opt/data
#    is M (a file over the directory) and its old content D, usr/lib/libx.so.1
#    D, var/cache/apt D with its three entries, var/log/dpkg.log D;
#  - layer 4: lib is M (a directory over the symlink), srv/both M (its own
#    .wh.both hides the lower one only), tmp M (.wh.never-existed: no line),
#    the opaque usr/share/doc removes app, app/README and base/copyright;
#  - layer 1: all 58 entries A, nothing else.
# The caf\xe9.txt name is printed as its raw bytes.
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"
tab=$(printf '\t')

printf '%s\n' 'M /etc' 'M /etc/conf.d' 'A /etc/conf.d/new.conf' \
	'D /etc/conf.d/old.conf' 'D /etc/conf.d/sub' 'D /etc/conf.d/sub/deep.conf' \
	'M /etc/motd' 'A /etc/motd/10-welcome' 'D /etc/oldconf' 'M /home' \
	'M /home/app' 'A /home/app/caf\351.txt' 'M /opt' 'D /opt/app' \
	'D /opt/app/cfg' 'D /opt/app/cfg/a' 'D /opt/app/old.bin' 'M /usr' \
	'M /usr/bin' 'M /usr/bin/tool-alias' 'M /usr/share' 'M /usr/share/doc' \
	'A /usr/share/doc/app' 'A /usr/share/doc/app/README' 'A /usr/share/nsec' \
	| sed "s/ /$tab/" >exp.2.in
# printf '%b' turns the octal \351 into the byte 0xe9
while IFS= read -r line; do printf '%b\n' "$line"; done <exp.2.in >exp.2

printf '%s\n' 'M /etc' 'A /etc/oldconf' 'M /home' 'M /home/app' 'M /opt' \
	'A /opt/app' 'A /opt/app/new.bin' 'M /opt/data' 'D /opt/data/a' \
	'D /opt/data/sub' 'D /opt/data/sub/b' 'M /usr' 'M /usr/lib' \
	'D /usr/lib/libx.so.1' 'M /var' 'M /var/cache' 'D /var/cache/apt' \
	'D /var/cache/apt/archives' 'D /var/cache/apt/archives/partial' \
	'D /var/cache/apt/pkgcache.bin' 'M /var/log' 'D /var/log/dpkg.log' \
	| sed "s/ /$tab/" >exp.3

printf '%s\n' 'M /lib' 'A /lib/extra.so' 'M /srv' 'M /srv/both' 'M /tmp' \
	'M /usr' 'M /usr/bin' 'A /usr/bin/new-tool' 'A /usr/bin/new-tool-link' \
	'M /usr/share' 'M /usr/share/doc' 'A /usr/share/doc/README' \
	'D /usr/share/doc/app' 'D /usr/share/doc/app/README' \
	'M /usr/share/doc/base' 'A /usr/share/doc/base/NEWS' \
	'D /usr/share/doc/base/copyright' | sed "s/ /$tab/" >exp.4

for n in 2 3 4; do
	# shellcheck disable=SC2086
	run_ok "inspect --layer $n" "$OVERTAR" inspect --layer "$n" $L
	cut -f 1,3 run.out >changes
	same_listing "exp.$n" changes "inspect --layer $n"
	mv run.out "out.$n"
done
# the size column: content bytes (mksample.sh), a symlink's target, else 0
for want in "2 D${tab}20${tab}/etc/oldconf" "2 M${tab}0${tab}/etc/motd" \
	"2 A${tab}11${tab}/usr/share/nsec" "3 M${tab}32${tab}/opt/data" \
	"4 M${tab}17${tab}/srv/both" "4 A${tab}24${tab}/usr/share/doc/README"; do
	grep -qxF "${want#* }" "out.${want%% *}" ||
		fail "inspect --layer ${want%% *}: no line '${want#* }'"
done

# shellcheck disable=SC2086
run_ok "inspect --layer 1" "$OVERTAR" inspect --layer 1 $L
[ "$(wc -l <run.out)" -eq 58 ] || fail "layer 1: $(wc -l <run.out) lines, expected 58"
[ "$(grep -c "^A$tab[0-9]*$tab/" run.out)" -eq 58 ] || fail "layer 1: not every line is A"
grep -qx "A${tab}9$tab/usr/lib/libx.so.1.0" run.out || fail "layer 1: no A 9 /usr/lib/libx.so.1.0"

# A parent directory a layer repeats unchanged (same mode, owner, time,
# xattrs) is no change; one whose time changed is M (modified).
python3 - <<'EOF'
import io, tarfile
def ent(t, name, kind, mtime, data=b""):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.mtime = mtime
    ti.mode = 0o755; ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if data else None)
with tarfile.open("p1.tar", "w", format=tarfile.PAX_FORMAT) as t:
    ent(t, "d", tarfile.DIRTYPE, 100); ent(t, "e", tarfile.DIRTYPE, 100)
with tarfile.open("p2.tar", "w", format=tarfile.PAX_FORMAT) as t:
    ent(t, "d", tarfile.DIRTYPE, 100); ent(t, "d/f", tarfile.REGTYPE, 200, b"abc")
    ent(t, "e", tarfile.DIRTYPE, 200); ent(t, "e/g", tarfile.REGTYPE, 200)
EOF
run_ok "inspect --layer 2 p1 p2" "$OVERTAR" inspect --layer 2 p1.tar p2.tar
printf 'A\t3\t/d/f\nM\t0\t/e\nA\t0\t/e/g\n' >exp.parents
same_listing exp.parents run.out "unchanged parent directory"

# --layer beyond the stack, or 0: usage errors
# shellcheck disable=SC2086
"$OVERTAR" inspect --layer 5 $L >out 2>err
[ $? -eq 2 ] || fail "--layer 5 of 4: expected exit status 2"
grep -q "no layer 5" err || fail "--layer 5: message does not say 'no layer 5': $(cat err)"
"$OVERTAR" inspect --layer 0 "$SAMPLE/layer1.tar" >out 2>err
[ $? -eq 2 ] || fail "--layer 0: expected exit status 2"
exit 0
