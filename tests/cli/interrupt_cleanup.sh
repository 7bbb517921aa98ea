# interrupt_cleanup.sh -- SIGINT and SIGTERM mid-run leave nothing behind
# (issue 6): interrupted while loading (a layer on a stalled pipe) and while
# writing (a gzip output of a 1 GiB bomb), no output and no temporary file
# is left, and an existing output file is as it was.
. "$TESTS/cli/lib/common.sh"

python3 "$TESTS/malformed/mkbomb.py" 1G bomb.tar.gz || fail "mkbomb.py failed"
mkdir out spool
printf 'precious\n' >precious

check_left() {
	cmp -s precious out/existing.tar.gz || fail "$1: existing output changed"
	left=$(ls -A out)
	[ "$left" = existing.tar.gz ] || fail "$1: left behind in out/: $left"
	[ -z "$(ls -A spool)" ] || fail "$1: left in the spool dir: $(ls -A spool)"
}

# 1. while loading: the layer arrives on a pipe that stalls
for sig in INT TERM; do
	cp precious out/existing.tar.gz
	mkfifo pipe
	"$OVERTAR" flatten --spool-dir spool -o out/existing.tar.gz - <pipe \
		2>err &
	pid=$!
	exec 3>pipe
	head -c 100000 bomb.tar.gz >&3
	sleep 1
	kill -$sig $pid
	wait $pid
	rc=$?
	exec 3>&-
	rm -f pipe
	[ "$rc" -gt 128 ] || fail "loading, SIG$sig: exit status $rc"
	check_left "loading, SIG$sig"
done

# 2. while writing: wait for the temporary output file, then interrupt
for sig in INT TERM; do
	cp precious out/existing.tar.gz
	"$OVERTAR" flatten --spool-dir spool -z gzip -o out/existing.tar.gz \
		bomb.tar.gz 2>err &
	pid=$!
	n=0
	while [ "$(ls -A out | wc -l)" -lt 2 ] && kill -0 $pid 2>/dev/null &&
		[ $n -lt 3000 ]; do
		sleep 0.01
		n=$((n + 1))
	done
	kill -$sig $pid 2>/dev/null
	wait $pid
	rc=$?
	if [ "$rc" -eq 0 ]; then
		note "writing, SIG$sig: finished before the signal; not tested"
		cp precious out/existing.tar.gz
		continue
	fi
	[ "$rc" -gt 128 ] || { cat err; fail "writing, SIG$sig: exit status $rc"; }
	check_left "writing, SIG$sig"
done
