# ls_errors.sh -- image paths go after '--', so a layer file named like an
# image path is never ambiguous; a path missing from the image fails with
# exit status 1 and one message naming it, while the other paths are still
# listed; no layers is a usage error (2).
. "$TESTS/cli/lib/common.sh"

# a layer file called "etc", in the working directory
cp "$SAMPLE/layer1.tar" etc
run_ok "ls etc -- /etc" "$OVERTAR" ls etc -- /etc/conf.d
printf '%s\n' old.conf sub >exp
same_listing exp run.out "ls of a layer named etc"

"$OVERTAR" ls -- etc >out 2>err
rc=$?
[ "$rc" -eq 2 ] || fail "ls -- etc (no layers): exit status $rc, expected 2"
grep -q "^overtar: .*no layers given" err || fail "ls -- etc: $(head -n 1 err)"

"$OVERTAR" ls etc -- /nope /bin >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "ls of a missing path: exit status $rc, expected 1"
printf '%s\n' "overtar: ls: '/nope': no such file or directory in the image" >exp
same_listing exp err "stderr of ls /nope"
printf '%s\n' /bin: busybox sh su >exp
same_listing exp out "the other path is still listed"

"$OVERTAR" ls -Z etc >out 2>err
[ $? -eq 2 ] || fail "ls -Z: expected exit status 2"
exit 0
