# flatten_keep_dirlinks.sh -- layer 4 of the sample has a directory lib/
# (with lib/extra.so) over layer 1's symlink lib -> usr/lib (usrmerge).
#   default (overlay2, like the kernel): lib becomes a directory holding only
#     extra.so; usr/lib is untouched      -> testdata/sample/expected.list
#   --keep-dirlinks (GNU tar --keep-directory-symlink, umoci): the symlink
#     stays and extra.so lands in usr/lib -> testdata/sample/expected-keep-dirlinks.list
# Both listings were derived by hand (testdata/README.md); they differ in
# exactly these three lines.
. "$TESTS/cli/lib/common.sh"

run_ok "flatten --keep-dirlinks" flatten_sample --keep-dirlinks -o keep.tar
python3 "$LIB/tarcheck.py" keep.tar || fail "keep.tar is not well formed"
canon keep.tar >keep.list
same_listing "$SAMPLE/expected-keep-dirlinks.list" keep.list "flatten --keep-dirlinks"

run_ok "flatten" flatten_sample -o default.tar
canon default.tar >default.list
same_listing "$SAMPLE/expected.list" default.list "flatten without --keep-dirlinks"
