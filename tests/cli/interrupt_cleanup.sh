# interrupt_cleanup.sh -- SIGINT, SIGTERM and SIGHUP mid-run leave nothing
# behind (issue 6): interrupted while loading (a layer on a stalled pipe)
# and while writing each kind of output (a gzip tar file, oci:, a
# docker-archive:, dir:, and build's output), overtar dies of the signal
# (exit status 128 + its number, no message), no output and no temporary
# file is left, and what existed (a file, a layout with another tag) is as
# it was. A run that finished before the signal came is run again on a
# larger input (a bomb of zeros: 64 MiB, then 256 MiB, 1 GiB, 4 GiB; for
# dir:, whose holes cost nothing to write, as many files of 4 KiB), never
# counted as tested.
. "$TESTS/cli/lib/common.sh"

mkdir out spool
printf 'precious\n' >precious
"$OVERTAR" flatten -o oci:out/img:old "$SAMPLE/layer1.tar" || fail "cannot make the layout"
printf 'write /x hi\n' >edit.ots

# snapshot: every path under out/ and spool/ with its content's digest
snapshot() {
	find out spool | sort | while IFS= read -r p; do
		if [ -f "$p" ]; then echo "$p $(sha256sum <"$p" | cut -c1-64)"; else echo "$p"; fi
	done
}

# signum SIG: its number
signum() { case $1 in HUP) echo 1 ;; INT) echo 2 ;; TERM) echo 15 ;; esac; }

# check_killed WHAT SIG RC: died of SIG, said nothing, left out/ as it was
check_killed() {
	want=$((128 + $(signum "$2")))
	[ "$3" -eq "$want" ] || { cat err; fail "$1, SIG$2: exit status $3, expected $want"; }
	[ ! -s err ] || { cat err; fail "$1, SIG$2: a message on stderr"; }
	snapshot >after
	cmp -s before after || { diff before after; fail "$1, SIG$2: out/ or spool/ changed"; }
}

# 1. while loading: the layer arrives on a pipe that stalls
for sig in INT TERM HUP; do
	cp precious out/existing.tar.gz
	snapshot >before
	mkfifo pipe
	"$OVERTAR" flatten --spool-dir spool -o out/existing.tar.gz - <pipe 2>err &
	pid=$!
	exec 3>pipe
	printf 'not all of a tar' >&3
	# the layer's first bytes were read when the spool or the output
	# is touched; a stalled reader is all that is needed: wait a moment
	sleep 1
	kill -$sig $pid
	wait $pid
	rc=$?
	exec 3>&-
	rm -f pipe
	check_killed "loading" $sig $rc
done

# 2. while writing: when a new file appears under out/ (the temporary
# output), interrupt. interrupt SIG WHAT ARGS...: ARGS are overtar's, the
# layer (the bomb) comes after them. overtar itself is the background job
# (a tool between would inherit the ignored SIGINT of an async command).
interrupt() {
	sig=$1 what=$2 files=$3
	shift 3
	for size in 64M 256M 1G 4G; do
		b=bomb-$size-$files.tar.gz
		n=1
		[ "$files" = many ] && n=$(($(echo $size | tr -d MG) * $(case $size in *G) echo 262144 ;; *) echo 256 ;; esac)))
		[ -f $b ] || python3 "$TESTS/malformed/mkbomb.py" $size $b $n || fail "mkbomb.py failed"
		snapshot >before
		n0=$(find out | wc -l)
		"$OVERTAR" "$@" $b 2>err &
		pid=$!
		n=0
		while [ "$(find out | wc -l)" -le "$n0" ] && kill -0 $pid 2>/dev/null &&
			[ $n -lt 6000 ]; do
			sleep 0.01
			n=$((n + 1))
		done
		kill -$sig $pid 2>/dev/null
		wait $pid
		rc=$?
		if [ "$rc" -eq 0 ]; then
			note "$what, SIG$sig: finished before the signal with $size; again, larger"
			rm -rf out/tree out/a.tar
			cp precious out/existing.tar.gz
			"$OVERTAR" flatten -o oci:out/img:old "$SAMPLE/layer1.tar" ||
				fail "cannot remake the layout"
			continue
		fi
		check_killed "$what" $sig $rc
		note "$what, SIG$sig: interrupted while writing ($size)"
		return 0
	done
	fail "$what, SIG$sig: finished before the signal even with 4 GiB"
}

cp precious out/existing.tar.gz
cp precious out/a.tar
interrupt INT "flatten to a gzip file" one flatten --spool-dir spool -z gzip -o out/existing.tar.gz
interrupt TERM "flatten to oci:" one flatten --spool-dir spool -o oci:out/img:new
interrupt HUP "flatten to docker-archive:" one flatten --spool-dir spool -o docker-archive:out/a.tar
interrupt TERM "build" one build --spool-dir spool -f edit.ots -z gzip -o out/existing.tar.gz
interrupt HUP "build to oci:" one build --spool-dir spool -f edit.ots -o oci:out/img:old
interrupt INT "flatten to dir:" many flatten --spool-dir spool -o dir:out/tree
