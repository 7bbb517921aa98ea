# flatten_sample_matches_expected.sh -- flattening the four sample layers
# gives exactly the tree derived by hand in testdata/README.md:
#   - testdata/sample/expected.list, the canonical listing (type, mode,
#     owner, size, content hash, link target, xattrs, hard-link groups);
#   - testdata/sample/expected.mtimes, every entry's mtime to the nanosecond
#     (a file keeps its layer's mtime, a directory the topmost layer's);
#   - a well-formed tar (lib/tarcheck.py): clean relative names, parents
#     first, no whiteouts left, hard links to earlier files, two zero blocks.
# Both expectations are also checked against the kernel by
# tests/conformance/sample_vs_kernel.sh.
. "$TESTS/cli/lib/common.sh"

run_ok "flatten -o out.tar" flatten_sample -o out.tar
[ ! -s run.out ] || fail "flatten -o printed on stdout"
[ -f out.tar ] || fail "no out.tar"
[ "$(comp_of out.tar)" = none ] || fail "out.tar is compressed without -z"
[ -z "$(ls -A | grep -v -e '^out.tar$' -e '^run.out$' -e '^run.err$')" ] \
	|| fail "files left beside out.tar: $(ls -A)"

python3 "$LIB/tarcheck.py" out.tar || fail "out.tar is not a well-formed flattened tar"
canon out.tar >actual.list
same_listing "$SAMPLE/expected.list" actual.list "flatten of the sample"
python3 "$LIB/tarcheck.py" --mtimes out.tar >actual.mtimes
same_listing "$SAMPLE/expected.mtimes" actual.mtimes "mtimes of the sample"

# GNU tar reads it back without complaint, the way a user would.
tar --numeric-owner -tvf out.tar >tar.out 2>tar.err || { cat tar.err; fail "GNU tar cannot list out.tar"; }
grep -v 'hdrcharset' tar.err | grep . && fail "GNU tar warns about out.tar"
exit 0
