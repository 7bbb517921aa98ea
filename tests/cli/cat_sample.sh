# cat_sample.sh -- overtar cat prints files of the merged tree, following
# symlinks inside the image root. Expected contents from testdata/mksample.sh:
#  - /usr/lib/libx.so -> libx.so.1.0 (relative): "libx 1.0\n" (layer 1's
#    pair; layer 3 whited out only libx.so.1);
#  - /usr/bin/busybox -> /bin/busybox (absolute: restarts at the image
#    root, not the host's): "#!busybox v1\n";
#  - /usr/bin/tool-alias: layer 2's "tool-alias v2\n", /usr/bin/tool still
#    layer 1's "tool v1\n";
#  - /etc/oldconf: layer 3's re-added "oldconf re-added in layer3\n";
#  - /srv/both: layer 4's (its own .wh.both hides only layer 1's);
#  - /bin/../etc/./passwd: '..' and '.' resolve inside the image.
# Several paths are concatenated in order.
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"
printf 'libx 1.0\n#!busybox v1\ntool-alias v2\ntool v1\noldconf re-added in layer3\nboth from layer4\n' >exp
# shellcheck disable=SC2086
run_ok "cat" "$OVERTAR" cat $L -- /usr/lib/libx.so /usr/bin/busybox \
	/usr/bin/tool-alias usr/bin/tool /etc/oldconf /srv/both
same_listing exp run.out "cat of six files"

printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >exp
# shellcheck disable=SC2086
run_ok "cat passwd" "$OVERTAR" cat $L -- /bin/../etc/./passwd
same_listing exp run.out "cat /bin/../etc/./passwd"

# a compressed layer's content (layer 3 is zstd, spooled) and a name with a
# space
printf 'notes\n' >exp
# shellcheck disable=SC2086
run_ok "cat notes" "$OVERTAR" cat $L -- "/home/app/notes file.txt"
same_listing exp run.out "cat of a name with a space"
exit 0
