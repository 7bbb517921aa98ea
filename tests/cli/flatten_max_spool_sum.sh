# flatten_max_spool_sum.sh -- --max-spool bounds the spool of the whole
# run, summed over the layers (LIMITS in overtar(1)): two gzip layers of
# 10 MiB of content each pass alone under --max-spool 16M and fail
# together (exit 1, one line naming a layer and entry, nothing left); a
# plain layer read in place costs no spool, the same layer on a pipe does.
. "$TESTS/cli/lib/common.sh"

MAL=$TESTS/malformed
python3 "$MAL/mkbomb.py" 10M a.tar.gz 1 A || fail "mkbomb.py failed"
python3 "$MAL/mkbomb.py" 10M b.tar.gz 2 A || fail "mkbomb.py failed"
gzip -dc b.tar.gz >b.tar || fail "gzip -dc failed"
mkdir spool
over="overtar: layer '(a\\.tar\\.gz|b\\.tar\\.gz|-)': entry 'bomb/00000[01]': more than 16777216 bytes of decompressed or sparse content"

run_ok "a alone" "$OVERTAR" flatten --spool-dir spool --max-spool 16M -o x.tar a.tar.gz
run_ok "b alone" "$OVERTAR" flatten --spool-dir spool --max-spool 16M -o x.tar b.tar.gz
rm -f x.tar
run_fails 1 "$over" "a and b" "$OVERTAR" flatten --spool-dir spool --max-spool 16M -o x.tar a.tar.gz b.tar.gz
[ ! -e x.tar ] || fail "output left behind"
run_ok "a and b under 21M" "$OVERTAR" flatten --spool-dir spool --max-spool 21M -o x.tar a.tar.gz b.tar.gz
run_ok "a and plain b in place" "$OVERTAR" flatten --spool-dir spool --max-spool 16M -o y.tar a.tar.gz b.tar
rm -f x.tar y.tar
run_fails 1 "$over" "a and plain b on a pipe" sh -c \
	'cat b.tar | "$1" flatten --spool-dir spool --max-spool 16M -o x.tar a.tar.gz -' sh "$OVERTAR"
[ ! -e x.tar ] || fail "output left behind"
[ -z "$(ls -A spool)" ] || fail "spool file left behind: $(ls -A spool)"
