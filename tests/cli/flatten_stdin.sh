# flatten_stdin.sh -- "-" reads a layer from standard input, plain or
# compressed (detected from content, not from a name), at any position in
# the stack; the result is byte-identical to naming the files.
. "$TESTS/cli/lib/common.sh"
L1=$SAMPLE/layer1.tar L2=$SAMPLE/layer2.tar.gz L3=$SAMPLE/layer3.tar.zst L4=$SAMPLE/layer4.tar

run_ok "flatten files" "$OVERTAR" flatten -o ref.tar "$L1" "$L2" "$L3" "$L4"

"$OVERTAR" flatten -o s1.tar - "$L2" "$L3" "$L4" <"$L1" 2>err || { cat err; fail "'-' as the plain base layer failed"; }
cmp ref.tar s1.tar || fail "'-' as the base layer (plain tar) gives other bytes"

"$OVERTAR" flatten -o s2.tar "$L1" - "$L3" "$L4" <"$L2" 2>err || { cat err; fail "'-' as a gzip layer failed"; }
cmp ref.tar s2.tar || fail "'-' as layer 2 (gzip) gives other bytes"

"$OVERTAR" flatten -o s3.tar "$L1" "$L2" - "$L4" <"$L3" 2>err || { cat err; fail "'-' as a zstd layer failed"; }
cmp ref.tar s3.tar || fail "'-' as layer 3 (zstd) gives other bytes"

# A pipe, not a regular file (no seeking, no size known in advance).
cat "$L4" | "$OVERTAR" flatten -o s4.tar "$L1" "$L2" "$L3" - 2>err || { cat err; fail "'-' from a pipe failed"; }
cmp ref.tar s4.tar || fail "'-' from a pipe gives other bytes"

# An error on standard input names it as the layer '-'.
printf 'not a tar at all\n%.0s' 1 2 3 4 5 6 7 8 9 10 >junk
"$OVERTAR" flatten -o bad.tar "$L1" - <junk >/dev/null 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "junk on '-': exit status $rc, expected 1"
grep -q "^overtar: layer '-'" err || { cat err; fail "junk on '-': the message does not name layer '-'"; }
[ ! -e bad.tar ] || fail "junk on '-': bad.tar left behind"
