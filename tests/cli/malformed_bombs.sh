# malformed_bombs.sh -- compression bombs (issue 6, LIMITS in overtar(1)):
# 64 MiB of zeros in a 64 KiB gzip flattens with little memory (zero blocks
# become holes: no spool, no RAM); 64 MiB of 'A' is refused under
# --max-spool 16M with nothing left behind, and flattens without it. The
# 4 GiB bomb is `make bomb` (tests/malformed/bomb.sh).
. "$TESTS/cli/lib/common.sh"

MAL=$TESTS/malformed
python3 "$MAL/mkbomb.py" 64M zeros.tar.gz || fail "mkbomb.py failed"
python3 "$MAL/mkbomb.py" 64M many.tar.gz 512 || fail "mkbomb.py failed"
python3 "$MAL/mkbomb.py" 64M a.tar.gz 1 A || fail "mkbomb.py failed"
mkdir spool

# peak RSS in KiB of the command, in ./rss (empty when unknown)
measured() {
	if [ -x /usr/bin/time ] && [ "$VARIANT" = plain ]; then
		/usr/bin/time -f %M -o rss "$@"
	else
		: >rss
		"$@"
	fi
}

for b in zeros many; do
	measured "$OVERTAR" flatten --spool-dir spool -o $b.tar $b.tar.gz \
		2>err || { cat err; fail "$b bomb: flatten failed"; }
	size=$(wc -c <$b.tar)
	[ "$size" -gt 67108864 ] || fail "$b bomb: output of $size bytes"
	rss=$(cat rss)
	note "$b bomb: 64 MiB flattened, peak RSS ${rss:-?} KiB"
	[ -z "$rss" ] || [ "$rss" -lt 65536 ] || fail "$b bomb: peak RSS $rss KiB"
	rm -f $b.tar
done

run_fails 1 "overtar: layer 'a.tar.gz': entry 'bomb/000000': more than 16777216 bytes of decompressed or sparse content" \
	"a bomb over --max-spool" "$OVERTAR" flatten --spool-dir spool --max-spool 16M -o a.tar a.tar.gz
[ ! -e a.tar ] || fail "output left behind"
[ -z "$(ls -A spool)" ] || fail "spool file left behind: $(ls -A spool)"
run_ok "a bomb under the default limits" "$OVERTAR" flatten \
	--spool-dir spool -o a.tar a.tar.gz
[ -z "$(ls -A spool)" ] || fail "spool file left behind: $(ls -A spool)"

# the limit options: bad values are usage errors
run_fails 2 "overtar: flatten: invalid limit '12X' \(see 'overtar help flatten'\)" \
	"--max-spool 12X" "$OVERTAR" flatten --max-spool 12X -o x.tar a.tar.gz
run_fails 2 "overtar: flatten: invalid limit '0' \(see 'overtar help flatten'\)" \
	"--max-entries 0" "$OVERTAR" flatten --max-entries 0 -o x.tar a.tar.gz
[ ! -e x.tar ] || fail "output left behind"
