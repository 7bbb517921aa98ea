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

# linktypes (lib/mklayers.py): a hard link to a symlink, a device or a fifo
# is a second name of that inode, as for a file (link(2) does not follow a
# symlink; moby, containers-storage, umoci and GNU tar keep them). The tar
# writes each group as one entry and links to it; dir: makes real links.
run_ok "flatten linktypes" "$OVERTAR" flatten -o lt.tar cases/linktypes/layer1.tar cases/linktypes/layer2.tar
python3 -c '
import tarfile, sys
for m in tarfile.open(sys.argv[1]):
    print(m.name, m.type.decode(), m.linkname if m.islnk() else "-")
' lt.tar >lt.got
cat >lt.want <<'WANT'
s 5 -
s/c 3 -
s/c2 1 s/c
s/f 0 -
s/f2 1 s/f
s/p 6 -
s/p2 1 s/p
s/s 2 -
s/s2 1 s/s
WANT
same_listing lt.want lt.got "linktypes tar entries"
run_ok "flatten linktypes -o dir:" "$OVERTAR" flatten -o dir:lt cases/linktypes/layer1.tar cases/linktypes/layer2.tar
for pair in s:s2 p:p2 f:f2; do
	a=${pair%%:*} b=${pair#*:}
	[ "$(stat -c %i "lt/s/$a")" = "$(stat -c %i "lt/s/$b")" ] ||
		fail "dir: s/$a and s/$b are not one inode"
done
if [ "$(id -u)" = 0 ]; then
	[ "$(stat -c %i lt/s/c)" = "$(stat -c %i lt/s/c2)" ] ||
		fail "dir: s/c and s/c2 are not one inode"
	[ "$(stat -c %h lt/s/s)" = 2 ] || fail "dir: s/s has not 2 names"
else
	[ ! -e lt/s/c ] && [ ! -e lt/s/c2 ] || fail "dir: a device made without root"
fi
