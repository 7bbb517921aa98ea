#!/bin/sh
# demo.sh -- `make demo`: flatten the four sample layers with overtar and show
# what came out, with a word on what each layer did to the tree.
# Usage: sh testdata/demo.sh PATH/TO/overtar
set -eu

bin=${1:?usage: sh testdata/demo.sh PATH/TO/overtar}
case $bin in */*) ;; *) bin=./$bin ;; esac
[ -x "$bin" ] || { echo "demo: '$bin' is not an executable (run make first)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
s=$here/sample
tmp=$(mktemp -d "${TMPDIR:-/tmp}/overtar-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE

cat <<TXT
The sample image (testdata/README.md), base layer first:
  layer1.tar      a small root filesystem: /etc/passwd with user app (1000),
                  setuid bin/su, sticky /tmp, a fifo, dev/null, xattrs,
                  hard links, symlinks, lib -> usr/lib
  layer2.tar.gz   whites out etc/oldconf (a file) and opt/app (a directory),
                  makes etc/conf.d opaque (marker before its files), turns
                  the file etc/motd into a directory, rewrites tool-alias
  layer3.tar.zst  re-adds etc/oldconf and opt/app, turns the directory
                  opt/data into a file, whites out var/cache/apt (a
                  directory), var/log/dpkg.log and usr/lib/libx.so.1
  layer4.tar      makes usr/share/doc opaque (marker after its files), puts
                  a directory lib/ over the symlink lib, adds a hard-link pair

\$ overtar flatten -o flat.tar layer1.tar layer2.tar.gz layer3.tar.zst layer4.tar
TXT
"$bin" flatten -o "$tmp/flat.tar" "$s/layer1.tar" "$s/layer2.tar.gz" \
	"$s/layer3.tar.zst" "$s/layer4.tar"
n=$(tar -tf "$tmp/flat.tar" | wc -l)
echo "\$ tar --numeric-owner -tvf flat.tar        ($n entries, $(wc -c <"$tmp/flat.tar") bytes)"
TZ=UTC tar --numeric-owner --quoting-style=escape -tvf "$tmp/flat.tar" 2>/dev/null

cat <<'TXT'

What happened (overlayfs rules, as Docker's overlay2 applies them):
  - whited out, gone:  var/cache/apt/ and all below it, var/log/dpkg.log,
    usr/lib/libx.so.1 (its hard-link twin libx.so.1.0 keeps the data)
  - whited out, then re-added by layer 3: etc/oldconf (layer 3's, mode 0600)
    and opt/app/ (only new.bin; layer 1's old.bin and cfg/ stay hidden)
  - opaque: etc/conf.d/ shows only layer 2's new.conf; usr/share/doc/ only
    layer 4's README and base/NEWS, wherever the .wh..wh..opq marker stood
  - srv/both: layer 4 has the file and a .wh.both marker; a whiteout hides
    lower layers only, so layer 4's file stays
  - replaced: etc/motd file -> directory (layer 2), opt/data directory ->
    file (layer 3), lib symlink -> directory holding only extra.so (layer 4;
    `overtar flatten --keep-dirlinks` keeps the symlink and puts extra.so in
    usr/lib instead)
  - hard links: bin/sh = bin/busybox and usr/bin/new-tool-link = new-tool
    are still one file each; usr/bin/tool lost its twin tool-alias to layer 2
  - no .wh. marker is left in the output
TXT
