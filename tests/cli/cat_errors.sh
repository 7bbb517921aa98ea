# cat_errors.sh -- overtar cat fails with exit status 1 and one line per bad
# path naming it: a directory, a path not in the image (etc/conf.d/old.conf
# is hidden by layer 2's opaque marker; etc/mtab is a dangling symlink to
# /proc/self/mounts, which the image does not have), a device; the good
# paths around them are still printed. Without '--' and paths it is a usage
# error (2): a path is never taken for a layer file.
. "$TESTS/cli/lib/common.sh"

L="$SAMPLE/layer1.tar $SAMPLE/layer2.tar.gz $SAMPLE/layer3.tar.zst $SAMPLE/layer4.tar"
# shellcheck disable=SC2086
"$OVERTAR" cat $L -- /etc /usr/lib/os-release /etc/conf.d/old.conf \
	/etc/mtab /dev/null >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "cat of bad paths: exit status $rc, expected 1"
cat >exp <<'END'
overtar: cat: '/etc': is a directory
overtar: cat: '/etc/conf.d/old.conf': no such file or directory in the image
overtar: cat: '/etc/mtab': no such file or directory in the image
overtar: cat: '/dev/null': not a regular file (character device)
END
same_listing exp err "stderr of cat of bad paths"
printf 'ID=sample\n' >exp
same_listing exp out "the good path is still printed"

# shellcheck disable=SC2086
"$OVERTAR" cat $L >out 2>err
rc=$?
[ "$rc" -eq 2 ] || fail "cat without paths: exit status $rc, expected 2"
[ ! -s out ] || fail "cat without paths wrote to stdout"
"$OVERTAR" cat -- /etc/passwd >out 2>err
rc=$?
[ "$rc" -eq 2 ] || fail "cat without layers: exit status $rc, expected 2"
exit 0
