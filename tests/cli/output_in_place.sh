# output_in_place.sh -- -o names that are not regular files are written in
# place, not through a temporary renamed over them: /dev/null stays the
# device, a fifo stays a fifo and its reader gets the tar, nothing is left
# beside them. The compression follows the output's name (-z overrides it):
# .tar.gz .tgz .gz gzip; .tar.zst .tzst .zst zstd; anything else none.
. "$TESTS/cli/lib/common.sh"

run_ok "flatten to a file" flatten_sample -o ref.tar
for cmd in flatten build; do
	set -- "$SAMPLE/layer1.tar"
	[ $cmd = build ] && set -- -e "mkdir /new" "$@"
	run_ok "$cmd -o /dev/null" "$OVERTAR" $cmd -o /dev/null "$@"
	[ -c /dev/null ] && [ "$(stat -c %t,%T /dev/null)" = 1,3 ] || fail "$cmd: /dev/null is no longer the device"
done

mkfifo pipe
cat pipe >from-pipe &
reader=$!
run_ok "flatten -o FIFO" flatten_sample -o pipe
wait $reader || fail "the fifo's reader failed"
[ -p pipe ] || fail "the fifo was replaced"
cmp -s ref.tar from-pipe || fail "the fifo's reader got other bytes than the file output"
left=$(ls -A | grep -v '^\(ref.tar\|pipe\|from-pipe\|run.out\|run.err\)$')
[ -z "$left" ] || fail "left behind: $left"

# compression from the name
for name in a.tar.gz a.tgz a.gz b.tar.zst b.tzst b.zst c.tar c.img; do
	case $name in *.gz|*.tgz) want=gzip ;; *.zst|*.tzst) want=zstd ;; *) want=none ;; esac
	run_ok "flatten -o $name" flatten_sample -o "$name"
	[ "$(comp_of "$name")" = "$want" ] || fail "-o $name: $(comp_of "$name"), expected $want"
	plain_tar "$name" "$name.plain"
	cmp -s "$name.plain" ref.tar || fail "-o $name: not the flattened tar once decompressed"
done
# a compression overtar does not write is refused before any work
# (output_conventions.sh has the rest); -z none writes it plain
run_fails 2 "overtar: flatten: 'c\.tar\.bz2' names bzip2 compression, which overtar does not write \(\.gz, \.zst, or -z\) \(see 'overtar help flatten'\)" \
	"flatten -o c.tar.bz2" flatten_sample -o c.tar.bz2
[ ! -e c.tar.bz2 ] || fail "-o c.tar.bz2: an output was left"
run_ok "flatten -z none -o c.tar.bz2" flatten_sample -z none -o c.tar.bz2
[ "$(comp_of c.tar.bz2)" = none ] || fail "-z none -o c.tar.bz2: $(comp_of c.tar.bz2)"
run_ok "flatten -z none -o x.tar.gz" flatten_sample -z none -o x.tar.gz
[ "$(comp_of x.tar.gz)" = none ] || fail "-z none did not override the name"
run_ok "flatten -z gzip -o x.zst" flatten_sample -z gzip -o x.zst
[ "$(comp_of x.zst)" = gzip ] || fail "-z gzip did not override the name"
