# flatten_gzip_zstd_outputs.sh -- -z gzip and -z zstd write a gzip or zstd
# stream (by magic number) that the stock gzip / zstd tools decompress to
# exactly the bytes of -z none; -z none is a plain tar.
. "$TESTS/cli/lib/common.sh"

run_ok "flatten -z none" flatten_sample -z none -o plain.tar
[ "$(comp_of plain.tar)" = none ] || fail "-z none: output is compressed"
run_ok "flatten (no -z)" flatten_sample -o default.tar
cmp -s plain.tar default.tar || fail "-z none differs from no -z"

run_ok "flatten -z gzip" flatten_sample -z gzip -o out.tar.gz
[ "$(comp_of out.tar.gz)" = gzip ] || fail "-z gzip: not a gzip stream (magic 1f8b)"
gzip -t out.tar.gz || fail "-z gzip: gzip -t fails (bad CRC or trailer)"
gzip -dc out.tar.gz >gz.tar || fail "-z gzip: gzip -dc fails"
cmp gz.tar plain.tar || fail "-z gzip: decompresses to other bytes than -z none"

if command -v zstd >/dev/null 2>&1; then
	run_ok "flatten -z zstd" flatten_sample -z zstd -o out.tar.zst
	[ "$(comp_of out.tar.zst)" = zstd ] || fail "-z zstd: not a zstd stream (magic 28b52ffd)"
	zstd -q -t out.tar.zst || fail "-z zstd: zstd -t fails"
	zstd -q -dc out.tar.zst >zst.tar || fail "-z zstd: zstd -dc fails"
	cmp zst.tar plain.tar || fail "-z zstd: decompresses to other bytes than -z none"
else
	note "no zstd CLI: -z zstd output not decompressed"
fi

# The compressed output is also a sample flatten, through canonical-list.
canon out.tar.gz >gz.list
same_listing "$SAMPLE/expected.list" gz.list "-z gzip output"
