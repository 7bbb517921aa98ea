# image_mod.sh -- overtar mod: config edits rewrite only config, manifest
# and index (every layer blob reused); a bad edit is a usage error;
# --drop-layer warns and leaves the layer out; --strip removes a tree from
# the layers holding it and only those get new digests; -z recompresses.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"
need_tools skopeo umoci

python3 "$LIB/mkoci.py" img v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar" || fail "mkoci failed"
manifest() { json "$1/index.json" 'j["manifests"][-1]["digest"][7:]'; }
layers() { json "$1/blobs/sha256/$(manifest $1)" '" ".join(l["digest"] for l in j["layers"])'; }
cfg() { json "$1/blobs/sha256/$(json $1/blobs/sha256/$(manifest $1) 'j["config"]["digest"][7:]')" "$2"; }

"$OVERTAR" mod -o oci:m1:x --env FOO=bar --env LANG=C.UTF-8 --unset-env NOPE \
	--env-append PATH=:/opt/bin --entrypoint '["/app","-v"]' --cmd '[]' \
	--user 1000:1000 --workdir /srv --label a=b --unset-label org.example.a \
	--annotation org.example.k=v --expose 8080 --expose 53/udp --volume /data \
	--stop-signal SIGTERM oci:img:v1 || fail "mod with config edits failed"
check_blobs m1
[ "$(layers m1)" = "$(layers img)" ] || fail "a config edit changed a layer"
[ "$(cfg m1 'j["config"]["Env"]')" = "['PATH=/usr/bin:/bin:/opt/bin', 'LANG=C.UTF-8', 'FOO=bar']" ] || fail "Env: $(cfg m1 'j["config"]["Env"]')"
[ "$(cfg m1 'j["config"]["Entrypoint"]')" = "['/app', '-v']" ] || fail "Entrypoint"
[ "$(cfg m1 'j["config"]["Cmd"]')" = "[]" ] || fail "Cmd"
[ "$(cfg m1 'j["config"]["User"]')" = "1000:1000" ] || fail "User"
[ "$(cfg m1 'j["config"]["WorkingDir"]')" = "/srv" ] || fail "WorkingDir"
[ "$(cfg m1 'j["config"]["Labels"]')" = "{'a': 'b'}" ] || fail "Labels"
[ "$(cfg m1 'sorted(j["config"]["ExposedPorts"])')" = "['53/udp', '8080/tcp']" ] || fail "ExposedPorts"
[ "$(cfg m1 'list(j["config"]["Volumes"])')" = "['/data']" ] || fail "Volumes"
[ "$(cfg m1 'j["config"]["StopSignal"]')" = "SIGTERM" ] || fail "StopSignal"
[ "$(cfg m1 'j["created"]')" = "2023-01-01T00:00:00Z" ] || fail "created changed"
[ "$(json m1/blobs/sha256/$(manifest m1) 'j["annotations"]')" = "{'org.example.k': 'v'}" ] || fail "annotation"
skopeo inspect oci:m1:x >/dev/null || fail "skopeo inspect failed"

for bad in "--workdir srv:'srv': not an absolute path" "--expose 99999:'99999': not PORT[/tcp|udp|sctp]" \
	   "--env NOEQ:'NOEQ': not NAME=VALUE" "--stop-signal SIGNOPE:'SIGNOPE': not a signal"; do
	opt=${bad%%:*}; msg=${bad#*:}
	"$OVERTAR" mod -o oci:bad:x $opt oci:img:v1 2>err
	[ $? = 2 ] || fail "mod $opt: not exit 2"
	grep -qF "overtar: mod: ${opt%% *}: $msg (see 'overtar help mod')" err || { cat err; fail "mod $opt: message"; }
	[ ! -e bad ] || fail "mod $opt left output"
done
"$OVERTAR" mod -o oci:bad:x --entrypoint '/app' oci:img:v1 2>err
[ $? = 2 ] && grep -q "entrypoint takes a JSON array of strings" err || fail "--entrypoint not JSON"

# --drop-layer: a warning, one layer less, its history entry gone
"$OVERTAR" mod -o oci:d:x --drop-layer 3 oci:img:v1 2>err || fail "--drop-layer failed"
grep -q "^overtar: warning: dropping layer 3: " err || fail "no warning"
set -- $(layers img)
[ "$(layers d)" = "$1 $2 $4" ] || fail "--drop-layer 3: $(layers d)"
[ "$(cfg d 'len(j["history"])')" = 3 ] || fail "history of the dropped layer kept"

# --strip: the tree leaves every layer that has it; the others keep digests
"$OVERTAR" mod -o oci:s:x --strip '/usr/share/doc' --strip 'etc/*.conf' oci:img:v1 || fail "--strip failed"
"$OVERTAR" flatten -o s.tar oci:s:x || fail "flatten of the stripped image failed"
tar tf s.tar | grep -E '^usr/share/doc|^etc/[^/]*\.conf$' && fail "stripped paths still there"
"$OVERTAR" flatten -o all.tar oci:img:v1

tar tf all.tar | grep -vE '^usr/share/doc|^etc/[^/]*\.conf$' | sort >want.list
tar tf s.tar | sort >got.list
diff want.list got.list || fail "--strip removed more than asked"
n=0; set -- $(layers img); for l in $(layers s); do n=$((n + 1)); eval "o=\${$n}"; [ "$l" = "$o" ] && same=$((${same:-0} + 1)); done
[ "${same:-0}" -ge 1 ] && [ "${same:-0}" -lt 4 ] || fail "--strip: $same of 4 layers kept their digests"

# -z none: every layer rewritten plain; umoci reads plain layers
"$OVERTAR" mod -o oci:z:x -z none oci:img:v1 || fail "-z none failed"
[ "$(json z/blobs/sha256/$(manifest z) '{l["mediaType"] for l in j["layers"]}')" = \
  "{'application/vnd.oci.image.layer.v1.tar'}" ] || fail "media types not plain"
"$OVERTAR" flatten -o z.tar oci:z:x && cmp all.tar z.tar || fail "-z none changed the tree"
# the same tars, compressed anew: diff_ids kept; the plain layer's blob kept
[ "$(cfg z 'j["rootfs"]')" = "$(cfg img 'j["rootfs"]')" ] || fail "-z changed diff_ids"
set -- $(layers img); set -- $(layers z) "$1" "$4"
[ "$4" = "$6" ] || fail "-z none recompressed a plain layer"
for i in 1 2 3 4; do
	eval "d=\${$i}"; d=${d#sha256:}
	[ "$(sha256sum z/blobs/sha256/$d | cut -c1-64)" = \
	  "$(cfg z "j['rootfs']['diff_ids'][$((i - 1))][7:]")" ] || fail "layer $i is not its plain tar"
done
umoci_unpack z:x zb || fail "umoci unpack of plain layers failed"
canon zb/rootfs >umoci.list; canon all.tar >flat.list
diff flat.list umoci.list || fail "umoci's tree of the plain image differs"
"$OVERTAR" mod -o oci:g:x -z gzip oci:img:v1 && "$OVERTAR" flatten -o g.tar oci:g:x && cmp all.tar g.tar \
	|| fail "-z gzip changed the tree"
umoci_unpack g:x gb || fail "umoci unpack of gzip layers failed"
canon gb/rootfs >umoci.gz.list
diff flat.list umoci.gz.list || fail "umoci's tree of the gzip image differs"

# --retime all: every layer rewritten, every mtime (whiteouts too) clamped
"$OVERTAR" mod -o oci:t:x --retime all --mtime 1000000000 oci:img:v1 || fail "--retime all failed"
set -- $(layers img)
for l in $(layers t); do [ "$l" = "$1" ] && fail "--retime all kept layer $l"; shift; done
"$OVERTAR" flatten -o t.tar oci:t:x || fail "flatten of the re-timed image failed"
python3 "$LIB/tarcheck.py" --mtimes t.tar | awk -F'\t' '$2 + 0 > 1000000000 { print; bad = 1 } END { exit bad }' \
	|| fail "an entry newer than --mtime after --retime all"
canon t.tar | cut -d' ' -f1 >t.names; canon all.tar | cut -d' ' -f1 >all.names
cmp t.names all.names || fail "--retime all changed names"
# --retime new (the default) leaves layers nothing else rewrites alone
"$OVERTAR" mod -o oci:t2:x --mtime 1000000000 --label a=b oci:img:v1 || fail "mod --mtime failed"
[ "$(layers t2)" = "$(layers img)" ] || fail "--retime new rewrote a layer"
exit 0
