# testdata_sample_consistent.sh -- the committed sample agrees with its
# sources (run once: it checks the test data more than overtar):
# run.sh: plain only
#   - testdata/mksample.sh regenerates layers with the same canonical
#     listings as the committed ones (compression bytes may differ with the
#     zlib/zstd version; the content may not);
#   - the hand-derived expected.list equals the pure-python OCI model
#     (canonical-list.py --layers), a third opinion besides the kernel's;
#   - overtar flattens the regenerated layers to expected.list too.
. "$TESTS/cli/lib/common.sh"

command -v zstd >/dev/null 2>&1 || skip "no zstd CLI (apt-get install zstd)"
sh "$TESTDATA/mksample.sh" regen >/dev/null || fail "mksample.sh failed"
for f in layer1.tar layer2.tar.gz layer3.tar.zst layer4.tar; do
	canon "$SAMPLE/$f" >committed.list
	canon "regen/$f" >regen.list
	same_listing committed.list regen.list "$f: committed vs regenerated"
done
plain_tar "$SAMPLE/layer3.tar.zst" layer3.tar
python3 "$CANON" --layers "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" layer3.tar \
	"$SAMPLE/layer4.tar" >model.list || fail "canonical-list.py --layers failed"
same_listing "$SAMPLE/expected.list" model.list "expected.list vs canonical-list.py --layers"
run_ok "flatten of the regenerated layers" "$OVERTAR" flatten -o regen-flat.tar \
	regen/layer1.tar regen/layer2.tar.gz regen/layer3.tar.zst regen/layer4.tar
canon regen-flat.tar >regen-flat.list
same_listing "$SAMPLE/expected.list" regen-flat.list "overtar flatten of the regenerated layers"
