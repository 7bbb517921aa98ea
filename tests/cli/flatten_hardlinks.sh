# flatten_hardlinks.sh -- hard links survive flattening as overlayfs shows
# them (a lower file's names share one inode until a layer replaces one):
#
# sample (testdata/README.md), hand-derived:
#   bin/busybox + bin/sh (L1)          untouched: still one file, two names
#   usr/bin/tool + tool-alias (L1)     L2 replaces tool-alias: tool keeps
#                                      "tool v1\n" alone, tool-alias is L2's
#   usr/lib/libx.so.1 + .so.1.0 (L1)   L3 whites out libx.so.1, the name that
#                                      held the data in the tar: libx.so.1.0
#                                      keeps "libx 1.0\n", alone
#   usr/bin/new-tool + new-tool-link   a new pair in L4: one file, two names
# hardlink3 (lib/mklayers.py): three names, the data holder whited out: the
#   other two keep the data and stay one file.
# In the tar, a hard link entry points at an earlier regular file entry
# (lib/tarcheck.py).
. "$TESTS/cli/lib/common.sh"

run_ok "flatten sample" flatten_sample -o out.tar
python3 "$LIB/tarcheck.py" out.tar || fail "out.tar is not well formed"
python3 "$LIB/lsflat.py" out.tar >out.ls || fail "cannot list out.tar"

# expect LISTING-FILE LINE...: each LINE must be a line of the listing.
expect() {
	f=$1
	shift
	for want; do
		grep -qxF "$want" "$f" || {
			printf 'FAIL: missing line: %s\n' "$want"
			printf '  got: %s\n' "$(grep -F "${want%% *} " "$f" || echo '(no such entry)')"
			exit 1
		}
	done
}
expect out.ls \
	"bin/busybox f 0755 '#!busybox v1\n' bin/busybox" \
	"bin/sh f 0755 '#!busybox v1\n' bin/busybox" \
	"usr/bin/tool f 0755 'tool v1\n' -" \
	"usr/bin/tool-alias f 0755 'tool-alias v2\n' -" \
	"usr/lib/libx.so.1.0 f 0644 'libx 1.0\n' -" \
	"usr/bin/new-tool f 0755 'new-tool\n' usr/bin/new-tool" \
	"usr/bin/new-tool-link f 0755 'new-tool\n' usr/bin/new-tool"
grep -q '^usr/lib/libx.so.1 ' out.ls && fail "usr/lib/libx.so.1 was whited out in layer 3"

# Exactly two hard-link entries in the tar: one per surviving pair.
n=$(python3 -c 'import tarfile,sys; print(sum(1 for m in tarfile.open(sys.argv[1]) if m.islnk()))' out.tar)
[ "$n" = 2 ] || fail "expected 2 hard link entries in out.tar, found $n"

python3 "$LIB/mklayers.py" cases || fail "mklayers.py failed"
run_ok "flatten hardlink3" "$OVERTAR" flatten -o h3.tar cases/hardlink3/layer1.tar cases/hardlink3/layer2.tar
python3 "$LIB/tarcheck.py" h3.tar || fail "h3.tar is not well formed"
python3 "$LIB/lsflat.py" h3.tar >h3.ls
cat >h3.want <<'WANT'
h d 0755 - -
h/b f 0644 'shared data\n' h/b
h/c f 0644 'shared data\n' h/b
h/d f 0644 'solo\n' -
WANT
same_listing h3.want h3.ls "hardlink3"
